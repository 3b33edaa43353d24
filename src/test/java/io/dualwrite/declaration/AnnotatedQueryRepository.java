package io.dualwrite.declaration;

import java.util.List;

import org.springframework.data.mongodb.repository.Query;

import io.dualwrite.fixtures.Person;
import io.dualwrite.repository.PhasedRepository;

public interface AnnotatedQueryRepository extends PhasedRepository<Person, String> {

    @Query("{ 'mail': ?0 }")
    List<Person> byMail(String mail);
}
