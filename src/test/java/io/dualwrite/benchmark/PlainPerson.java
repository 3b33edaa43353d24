package io.dualwrite.benchmark;

import org.springframework.data.mongodb.core.mapping.Document;

import io.dualwrite.fixtures.PersonFields;

/** The baseline's entity: the same fields as {@link BenchPerson}, stored by plain Spring Data in its own collection. */
@Document("bench_plain_people")
public class PlainPerson extends PersonFields {
}
