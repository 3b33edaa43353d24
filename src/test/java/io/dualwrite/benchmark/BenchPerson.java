package io.dualwrite.benchmark;

import io.dualwrite.fixtures.PersonFields;

/** The domain type of the benchmark migration (id, five fields, version). */
public class BenchPerson extends PersonFields {
}
