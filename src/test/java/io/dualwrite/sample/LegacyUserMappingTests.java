package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Date;

import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The legacy {@code users} shape: name splitting, ISO date strings, optional fields, and clear conversion errors. */
class LegacyUserMappingTests {

    private final LegacyUserMapping mapping = new LegacyUserMapping();

    @Test
    void writesTheLegacyFieldsWithIsoStrings() {
        Customer customer = customer("Ada", "Lovelace");
        customer.setEmail("ada@example.com");
        customer.setContact(new Contact("+44 1"));
        customer.setUpdatedAt(Instant.parse("2024-02-03T04:05:06.7Z"));

        Document document = mapping.toDocument(customer);

        assertThat(document).isEqualTo(new Document("name", "Ada Lovelace")
                .append("created_at", "2021-03-04T05:06:07.089Z").append("email", "ada@example.com")
                .append("updated_at", "2024-02-03T04:05:06.700Z").append("phone", "+44 1"));
    }

    @Test
    void leavesOptionalFieldsOutWhenAbsent() {
        Document document = mapping.toDocument(customer("Ada", "Lovelace"));

        assertThat(document.keySet()).containsExactly("name", "created_at");
    }

    @Test
    void splitsTheNameAtTheFirstSpace() {
        Customer customer = mapping.fromDocument(legacy("Guido van Rossum"));

        assertThat(customer.getFirstName()).isEqualTo("Guido");
        assertThat(customer.getLastName()).isEqualTo("van Rossum");
        assertThat(mapping.toDocument(customer).getString("name")).isEqualTo("Guido van Rossum");
    }

    @Test
    void aSingleNameHasAnEmptyLastNameAndWritesBackUnchanged() {
        Customer customer = mapping.fromDocument(legacy("Cher"));

        assertThat(customer.getFirstName()).isEqualTo("Cher");
        assertThat(customer.getLastName()).isEmpty();
        assertThat(mapping.toDocument(customer).getString("name")).isEqualTo("Cher");
    }

    @Test
    void readsEveryLegacyField() {
        Document document = legacy("Ada Lovelace").append("email", "ada@example.com")
                .append("updated_at", "2022-01-01T00:00:00Z").append("phone", "+44 1");

        Customer customer = mapping.fromDocument(document);

        assertThat(customer.getEmail()).isEqualTo("ada@example.com");
        assertThat(customer.getCreatedAt()).isEqualTo("2021-03-04T05:06:07.089Z");
        assertThat(customer.getUpdatedAt()).isEqualTo("2022-01-01T00:00:00Z");
        assertThat(customer.getContact()).isEqualTo(new Contact("+44 1"));
    }

    @Test
    void acceptsIsoStringsWithAnOffsetOrWithoutFractionAndBsonDates() {
        assertThat(mapping.fromDocument(legacy("A B").append("created_at", "2021-03-04T07:06:07+02:00"))
                .getCreatedAt()).isEqualTo("2021-03-04T05:06:07Z");
        assertThat(mapping.fromDocument(legacy("A B").append("created_at", "2021-03-04T05:06:07Z"))
                .getCreatedAt()).isEqualTo("2021-03-04T05:06:07Z");
        assertThat(mapping.fromDocument(legacy("A B").append("created_at",
                Date.from(Instant.parse("2021-03-04T05:06:07.5Z")))).getCreatedAt())
                .isEqualTo("2021-03-04T05:06:07.5Z");
    }

    @Test
    void aMissingCreatedAtIsAnErrorNamingTheField() {
        Document document = new Document("_id", "u1").append("name", "Ada Lovelace");

        assertThatThrownBy(() -> mapping.fromDocument(document)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("created_at is missing");
    }

    @Test
    void anUnparseableCreatedAtIsAnErrorNamingTheFieldAndTheValue() {
        Document text = legacy("Ada Lovelace").append("created_at", "last tuesday");
        Document number = legacy("Ada Lovelace").append("created_at", 1614834367);

        assertThatThrownBy(() -> mapping.fromDocument(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("created_at is 'last tuesday'").hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> mapping.fromDocument(number)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("created_at is 1614834367 (Integer)");
    }

    @Test
    void aBadUpdatedAtOrAMissingNameIsAnErrorToo() {
        assertThatThrownBy(() -> mapping.fromDocument(legacy("Ada Lovelace").append("updated_at", "soon")))
                .hasMessageContaining("updated_at is 'soon'");
        assertThatThrownBy(() -> mapping.fromDocument(new Document("created_at", "2021-03-04T05:06:07Z")))
                .hasMessageContaining("name is missing");
        assertThatThrownBy(() -> mapping.fromDocument(legacy(" ")))
                .hasMessageContaining("name is ' '");
    }

    @Test
    void writingACustomerWithoutCreationTimeIsRefused() {
        Customer customer = customer("Ada", "Lovelace");
        customer.setCreatedAt(null);

        assertThatThrownBy(() -> mapping.toDocument(customer)).hasMessageContaining("created_at");
    }

    @Test
    void theWrittenStringsSortLikeTheInstants() {
        Instant whole = Instant.parse("2021-03-04T05:06:07Z");
        Instant later = Instant.parse("2021-03-04T05:06:07.001Z");

        // Instant.toString() would give "...07Z" and "...07.001Z", which sort the other way round
        assertThat(LegacyUserMapping.format(whole)).isLessThan(LegacyUserMapping.format(later));
        assertThat(LegacyUserMapping.queryValue(later)).isEqualTo("2021-03-04T05:06:07.001Z");
        assertThat(LegacyUserMapping.queryValue("as is")).isEqualTo("as is");
    }

    private static Customer customer(String first, String last) {
        Customer customer = new Customer();
        customer.setFirstName(first);
        customer.setLastName(last);
        customer.setCreatedAt(Instant.parse("2021-03-04T05:06:07.089Z"));
        return customer;
    }

    private static Document legacy(String name) {
        return new Document("_id", "u1").append("name", name).append("created_at", "2021-03-04T05:06:07.089Z");
    }
}
