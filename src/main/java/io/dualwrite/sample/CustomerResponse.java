package io.dualwrite.sample;

import java.time.Instant;

/**
 * A customer as the API returns it.
 *
 * @param id the id
 * @param firstName the first name
 * @param lastName the last name (may be empty for a legacy user with a single name)
 * @param email the email address, or {@code null}
 * @param phone the phone number, or {@code null}
 * @param createdAt when the customer was created
 * @param updatedAt when it was last updated, or {@code null}
 * @param version the version to send back with an update (0 for legacy data never written through the API)
 */
public record CustomerResponse(String id, String firstName, String lastName, String email, String phone,
        Instant createdAt, Instant updatedAt, Long version) {

    /** The response for a stored customer. */
    public static CustomerResponse of(Customer customer) {
        return new CustomerResponse(customer.getId(), customer.getFirstName(), customer.getLastName(),
                customer.getEmail(), customer.getContact() == null ? null : customer.getContact().phone(),
                customer.getCreatedAt(), customer.getUpdatedAt(), customer.getVersion());
    }
}
