package io.dualwrite.adjacent;

import java.util.Optional;

import io.dualwrite.fixtures.Person;
import io.dualwrite.repository.PhasedRepository;

public interface AdjacentPersonRepository extends PhasedRepository<Person, String> {

    Optional<Person> findByEmail(String email);
}
