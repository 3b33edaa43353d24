package io.dualwrite.sample;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;

import org.bson.Document;

import io.dualwrite.spi.DocumentMapping;

/**
 * The old shape: the legacy {@code users} collection as the original system wrote it.
 *
 * <pre>
 * { _id, name: "First Last", created_at: "2021-03-04T05:06:07.089Z", email?, updated_at?: ISO string, phone? }
 * </pre>
 *
 * {@code name} is split at the first space: the first name is what comes before it, the last name the rest (empty for
 * a single name). Dates are written as ISO-8601 UTC strings with exactly three fraction digits, so that comparing
 * the strings orders them like the instants (sorting and range queries on {@code created_at} work); any ISO-8601
 * instant or offset date-time is accepted when reading, as is a BSON date.
 */
public final class LegacyUserMapping implements DocumentMapping<Customer> {

    /** The fixed-width ISO-8601 form written for dates, such as {@code 2021-03-04T05:06:07.089Z}. */
    public static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);

    /** Formats an instant as the legacy shape stores it (UTC, millisecond precision). */
    public static String format(Instant instant) {
        return ISO_MILLIS.format(instant.truncatedTo(ChronoUnit.MILLIS));
    }

    /** Converts a query value of a date property to the legacy stored form. */
    public static Object queryValue(Object value) {
        return value instanceof Instant instant ? format(instant) : value;
    }

    @Override
    public Document toDocument(Customer customer) {
        if (customer.getCreatedAt() == null) {
            throw new IllegalArgumentException("customer " + customer.getId()
                    + " has no createdAt; the legacy users shape requires created_at");
        }
        String first = customer.getFirstName() == null ? "" : customer.getFirstName();
        String last = customer.getLastName() == null ? "" : customer.getLastName();
        Document document = new Document("name", last.isEmpty() ? first : first + " " + last)
                .append("created_at", format(customer.getCreatedAt()));
        if (customer.getEmail() != null) {
            document.append("email", customer.getEmail());
        }
        if (customer.getUpdatedAt() != null) {
            document.append("updated_at", format(customer.getUpdatedAt()));
        }
        if (customer.getContact() != null && customer.getContact().phone() != null) {
            document.append("phone", customer.getContact().phone());
        }
        return document;
    }

    @Override
    public Customer fromDocument(Document document) {
        Customer customer = new Customer();
        Object name = document.get("name");
        if (!(name instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("name is " + describe(name) + "; a legacy user needs a non-empty "
                    + "name string \"First Last\"");
        }
        String trimmed = text.trim();
        int space = trimmed.indexOf(' ');
        customer.setFirstName(space < 0 ? trimmed : trimmed.substring(0, space));
        customer.setLastName(space < 0 ? "" : trimmed.substring(space + 1).trim());
        customer.setEmail(document.getString("email"));
        customer.setCreatedAt(instant(document, "created_at", true));
        customer.setUpdatedAt(instant(document, "updated_at", false));
        String phone = document.getString("phone");
        customer.setContact(phone == null ? null : new Contact(phone));
        return customer;
    }

    private static Instant instant(Document document, String field, boolean required) {
        Object value = document.get(field);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException(field + " is missing; a legacy user needs " + field
                        + " as an ISO-8601 date-time string such as 2021-03-04T05:06:07.089Z");
            }
            return null;
        }
        if (value instanceof Date date) {
            return date.toInstant();
        }
        if (value instanceof String text) {
            try {
                return Instant.parse(text.trim());
            }
            catch (DateTimeException ex) {
                // reported below with the field and the value
            }
        }
        throw new IllegalArgumentException(field + " is " + describe(value) + ", not an ISO-8601 date-time such as "
                + "2021-03-04T05:06:07.089Z");
    }

    private static String describe(Object value) {
        if (value == null) {
            return "missing";
        }
        return value instanceof String ? "'" + value + "'" : value + " (" + value.getClass().getSimpleName() + ")";
    }
}
