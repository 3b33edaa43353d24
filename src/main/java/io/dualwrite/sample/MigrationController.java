package io.dualwrite.sample;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import io.dualwrite.spi.PhaseSource;

/** Tells which phase this instance acts on for {@code customers-v2}: handy in demos and browser tests. */
@RestController
public class MigrationController {

    private final PhaseSource phaseSource;

    /** Creates the controller. */
    public MigrationController(PhaseSource phaseSource) {
        this.phaseSource = phaseSource;
    }

    /** {@code {"migration": "customers-v2", "phase": "OLD_ONLY"}}. */
    @GetMapping("/api/migration")
    public MigrationStatus migration() {
        String id = CustomerMigrationConfiguration.MIGRATION_ID;
        return new MigrationStatus(id, phaseSource.currentPhase(id).name());
    }
}
