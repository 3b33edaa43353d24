package io.dualwrite.benchmark;

import org.springframework.data.mongodb.repository.MongoRepository;

/** The baseline: a plain Spring Data repository. */
public interface PlainPersonRepository extends MongoRepository<PlainPerson, String> {
}
