package io.dualwrite.sample;

/**
 * The body of a create ({@code POST}) or update ({@code PUT}) of a customer.
 *
 * @param firstName required; a single word (the legacy shape splits the full name at the first space)
 * @param lastName required
 * @param email optional; a well-formed address
 * @param phone optional
 * @param version required on update: the version the client read; ignored on create
 */
public record CustomerRequest(String firstName, String lastName, String email, String phone, Long version) {

    /** What a client should send, quoted in error messages. */
    static final String EXAMPLE = "{\"firstName\": \"Ada\", \"lastName\": \"Lovelace\", "
            + "\"email\": \"ada@example.com\", \"phone\": \"+44 20 7946 0000\"}";
}
