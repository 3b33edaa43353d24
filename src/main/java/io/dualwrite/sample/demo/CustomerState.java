package io.dualwrite.sample.demo;

import java.time.Instant;
import java.util.Date;
import java.util.Set;

import org.bson.Document;

import io.dualwrite.sample.Contact;
import io.dualwrite.sample.Customer;

/**
 * What a customer holds, without its id and version: the content the demo's record expects and compares. Instants are
 * kept at millisecond precision, the precision of both shapes.
 *
 * @param firstName the first name
 * @param lastName the last name
 * @param email the email address, or {@code null}
 * @param phone the phone number, or {@code null}
 * @param createdAt when the customer was created
 * @param updatedAt when it was last updated, or {@code null}
 */
public record CustomerState(String firstName, String lastName, String email, String phone, Instant createdAt,
        Instant updatedAt) {

    /** The fields a document of the new shape ({@code customers}) may hold besides the layer's {@code _dw…} fields. */
    static final Set<String> NEW_SHAPE_FIELDS = Set.of("_id", "version", "firstName", "lastName", "email", "contact",
            "createdAt", "updatedAt");

    /** The content of a customer as the repository returns it or as it is given to the repository. */
    public static CustomerState of(Customer customer) {
        return new CustomerState(customer.getFirstName(), customer.getLastName(), customer.getEmail(),
                customer.getContact() == null ? null : customer.getContact().phone(), customer.getCreatedAt(),
                customer.getUpdatedAt());
    }

    /**
     * The content of a raw live document of the new shape, read field by field independently of the library's
     * mapping: {@code firstName}, {@code lastName}, {@code email}, {@code contact.phone}, {@code createdAt} and
     * {@code updatedAt} as BSON dates.
     *
     * @throws IllegalArgumentException naming the field when a field has an unexpected type or the document holds a
     * field the new shape does not have
     */
    public static CustomerState fromNewShape(Document document) {
        for (String field : document.keySet()) {
            if (!NEW_SHAPE_FIELDS.contains(field) && !field.startsWith("_dw")) {
                throw new IllegalArgumentException("unexpected field '" + field + "' = " + document.get(field));
            }
        }
        Object contact = document.get("contact");
        if (contact != null && !(contact instanceof Document)) {
            throw new IllegalArgumentException("contact is " + contact + ", not an embedded document");
        }
        return new CustomerState(string(document, "firstName"), string(document, "lastName"),
                string(document, "email"), contact == null ? null : string((Document) contact, "phone"),
                date(document, "createdAt"), date(document, "updatedAt"));
    }

    /** A customer with this content, id and version (as a writer hands it to the repository). */
    public Customer toCustomer(String id, Long version) {
        Customer customer = new Customer();
        customer.setId(id);
        customer.setVersion(version);
        customer.setFirstName(firstName);
        customer.setLastName(lastName);
        customer.setEmail(email);
        customer.setContact(phone == null ? null : new Contact(phone));
        customer.setCreatedAt(createdAt);
        customer.setUpdatedAt(updatedAt);
        return customer;
    }

    @Override
    public String toString() {
        return "{" + firstName + " " + lastName + ", " + email + ", " + phone + ", created " + createdAt
                + (updatedAt == null ? "" : ", updated " + updatedAt) + "}";
    }

    private static String string(Document document, String field) {
        Object value = document.get(field);
        if (value != null && !(value instanceof String)) {
            throw new IllegalArgumentException(field + " is " + value + " (" + value.getClass().getSimpleName()
                    + "), not a string");
        }
        return (String) value;
    }

    private static Instant date(Document document, String field) {
        Object value = document.get(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Date date)) {
            throw new IllegalArgumentException(field + " is " + value + " (" + value.getClass().getSimpleName()
                    + "), not a date");
        }
        return date.toInstant();
    }
}
