package io.dualwrite.sample;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.dualwrite.Migration;
import io.dualwrite.ShapeDeclaration;

/**
 * Declares migration {@code customers-v2}: customers move from the legacy {@code users} collection
 * ({@link LegacyUserMapping}) to {@code customers}, whose documents are {@link Customer} as Spring Data maps it
 * ({@code firstName}, {@code lastName}, {@code email}, {@code contact.phone}, {@code createdAt} and
 * {@code updatedAt} as BSON dates). The old shape declares the field of every property queried or sorted on; the new
 * shape's fields are derived from the class.
 */
@Configuration(proxyBeanMethods = false)
public class CustomerMigrationConfiguration {

    /** The migration id, also the name of its phase toggle. */
    public static final String MIGRATION_ID = "customers-v2";

    /** The legacy collection (old shape). */
    public static final String LEGACY_COLLECTION = "users";

    /** The new collection (new shape). */
    public static final String CUSTOMERS_COLLECTION = "customers";

    /** The migration bean the phased {@link CustomerRepository} follows. */
    @Bean
    Migration<Customer> customersV2() {
        return Migration.builder(MIGRATION_ID, Customer.class)
                .oldShape(ShapeDeclaration.mapped(LEGACY_COLLECTION, new LegacyUserMapping())
                        .field("email", "email")
                        .field("createdAt", "created_at", LegacyUserMapping::queryValue)
                        .field("updatedAt", "updated_at", LegacyUserMapping::queryValue)
                        .field("contact.phone", "phone"))
                .newShape(ShapeDeclaration.springData(CUSTOMERS_COLLECTION))
                .build();
    }
}
