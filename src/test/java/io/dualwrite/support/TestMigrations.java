package io.dualwrite.support;

import java.util.List;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.ShapeDeclaration;
import io.dualwrite.spi.DocumentMapping;
import org.bson.Document;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Two declared migrations, {@value #CUSTOMERS} and {@value #ORDERS}, and their registry, standing in for what
 * {@code DualWriteAutoConfiguration} provides in an application.
 */
@Configuration(proxyBeanMethods = false)
public class TestMigrations {

    /** A migration id. */
    public static final String CUSTOMERS = "customers-v2";

    /** Another migration id. */
    public static final String ORDERS = "orders.v3";

    @Bean
    Migration<Customer> customersMigration() {
        return customers();
    }

    /** The {@value #CUSTOMERS} migration, outside a context. */
    public static Migration<Customer> customers() {
        return Migration.builder(CUSTOMERS, Customer.class)
                .oldShape(ShapeDeclaration.mapped("users", new CustomerMapping()))
                .newShape(ShapeDeclaration.springData("customers"))
                .build();
    }

    @Bean
    Migration<Order> ordersMigration() {
        return orders();
    }

    /** The {@value #ORDERS} migration, outside a context. */
    public static Migration<Order> orders() {
        return Migration.builder(ORDERS, Order.class)
                .oldShape(ShapeDeclaration.springData("orders"))
                .newShape(ShapeDeclaration.springData("orders_v3"))
                .build();
    }

    @Bean
    MigrationRegistry migrationRegistry(List<Migration<?>> migrations) {
        return new MigrationRegistry(migrations);
    }

    /** A domain type. */
    public static class Customer {

        public String id;

        public String name;

        public long version;
    }

    /** Another domain type. */
    public static class Order {

        public String id;

        public long version;
    }

    /** Maps a customer to the legacy {@code users} documents. */
    static class CustomerMapping implements DocumentMapping<Customer> {

        @Override
        public Document toDocument(Customer entity) {
            return new Document("fullName", entity.name);
        }

        @Override
        public Customer fromDocument(Document document) {
            Customer customer = new Customer();
            customer.name = document.getString("fullName");
            return customer;
        }
    }
}
