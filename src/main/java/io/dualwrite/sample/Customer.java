package io.dualwrite.sample;

import java.time.Instant;

import org.springframework.data.annotation.Id;
import org.springframework.data.annotation.Version;

/**
 * A customer of the sample service. Stored in the legacy {@code users} collection before the migration and in
 * {@code customers} after it; the {@link CustomerRepository} decides which from the migration's phase.
 */
public class Customer {

    @Id
    private String id;

    private String firstName;

    private String lastName;

    private String email;

    private Contact contact;

    private Instant createdAt;

    private Instant updatedAt;

    @Version
    private Long version;

    /** The id; {@code null} until the customer is first saved. */
    public String getId() {
        return id;
    }

    /** Sets the id. */
    public void setId(String id) {
        this.id = id;
    }

    /** The first name (no spaces: the legacy shape splits {@code name} at the first space). */
    public String getFirstName() {
        return firstName;
    }

    /** Sets the first name. */
    public void setFirstName(String firstName) {
        this.firstName = firstName;
    }

    /** The last name; may be empty for legacy users who had a single name. */
    public String getLastName() {
        return lastName;
    }

    /** Sets the last name. */
    public void setLastName(String lastName) {
        this.lastName = lastName;
    }

    /** The email address, or {@code null}. */
    public String getEmail() {
        return email;
    }

    /** Sets the email address. */
    public void setEmail(String email) {
        this.email = email;
    }

    /** The contact details, or {@code null}. */
    public Contact getContact() {
        return contact;
    }

    /** Sets the contact details. */
    public void setContact(Contact contact) {
        this.contact = contact;
    }

    /** When the customer was created. */
    public Instant getCreatedAt() {
        return createdAt;
    }

    /** Sets when the customer was created. */
    public void setCreatedAt(Instant createdAt) {
        this.createdAt = createdAt;
    }

    /** When the customer was last updated, or {@code null} if never. */
    public Instant getUpdatedAt() {
        return updatedAt;
    }

    /** Sets when the customer was last updated. */
    public void setUpdatedAt(Instant updatedAt) {
        this.updatedAt = updatedAt;
    }

    /** The version written by the last save; {@code null} for a customer never saved, 0 for untouched legacy data. */
    public Long getVersion() {
        return version;
    }

    /** Sets the version the caller read (the lost-update guard). */
    public void setVersion(Long version) {
        this.version = version;
    }

    @Override
    public String toString() {
        return "Customer{id=" + id + ", " + firstName + " " + lastName + ", " + email + ", v" + version + "}";
    }
}
