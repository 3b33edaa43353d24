package io.dualwrite.benchmark;

import io.dualwrite.repository.PhasedRepository;

/** The candidate: a phased repository over migration {@value BenchmarkApplication#MIGRATION}. */
public interface BenchPersonRepository extends PhasedRepository<BenchPerson, String> {
}
