package io.dualwrite.declaration;

import io.dualwrite.repository.PhasedRepository;

public interface UndeclaredRepository extends PhasedRepository<Undeclared, String> {
}
