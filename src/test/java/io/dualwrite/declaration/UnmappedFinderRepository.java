package io.dualwrite.declaration;

import java.util.List;

import io.dualwrite.fixtures.Person;
import io.dualwrite.repository.PhasedRepository;

public interface UnmappedFinderRepository extends PhasedRepository<Person, String> {

    List<Person> findByLastName(String lastName);
}
