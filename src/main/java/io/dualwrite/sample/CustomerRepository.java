package io.dualwrite.sample;

import java.util.Optional;

import io.dualwrite.repository.PhasedRepository;

/**
 * The customers, read and written in whichever shape the phase of migration {@code customers-v2} says. Each finder's
 * properties have a field declared in both shapes (see {@link CustomerMigrationConfiguration}).
 */
public interface CustomerRepository extends PhasedRepository<Customer, String> {

    /** The customer with this email address. */
    Optional<Customer> findByEmail(String email);
}
