package io.dualwrite.toggle;

import java.util.Objects;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.toggle.PhaseToggleStates.Reading;
import org.springframework.beans.factory.ObjectProvider;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.util.NamedFeature;

/**
 * Java API to read and change a migration's shared phase toggle. Changes go through Togglz's {@link FeatureManager}
 * (so the console and Togglz listeners see them) and the {@link ValidatingStateRepository} behind it (so the same rules
 * apply as in the console). Every instance acts on a change within {@code dualwrite.toggles.max-staleness}.
 */
public class PhaseToggles {

    private final MigrationRegistry registry;

    private final ObjectProvider<FeatureManager> featureManager;

    private final StateRepository repository;

    /**
     * @param registry the declared migrations
     * @param featureManager Togglz's feature manager; when there is none, changes go to {@code repository} directly
     * @param repository the validating shared repository
     */
    public PhaseToggles(MigrationRegistry registry, ObjectProvider<FeatureManager> featureManager,
            StateRepository repository) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.featureManager = Objects.requireNonNull(featureManager, "featureManager");
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    /**
     * Asks for migration {@code migrationId} to move to {@code phase}, from Java code.
     *
     * @param user who asks (recorded in the audit log)
     * @throws IllegalArgumentException when the migration is not declared or the phase is missing;
     *         {@link PhaseChangeRefusedException} when the phase guard refuses the change (the message says why and
     *         what to do); nothing is changed then
     */
    public void requestPhase(String migrationId, Phase phase, String user) {
        requestPhase(migrationId, phase, user, "java");
    }

    /**
     * Asks for migration {@code migrationId} to move to {@code phase}.
     *
     * @param user who asks (recorded in the audit log)
     * @param via through what the request came (recorded in the audit log), e.g. {@code api}, {@code status-page}
     * @throws IllegalArgumentException when the migration is not declared or the phase is missing;
     *         {@link PhaseChangeRefusedException} when the phase guard refuses the change; nothing is changed then
     */
    public void requestPhase(String migrationId, Phase phase, String user, String via) {
        registry.require(migrationId);
        if (phase == null) {
            throw new IllegalArgumentException("No phase given for migration '" + migrationId + "'; use one of "
                    + Phase.names());
        }
        PhaseChangeContext.as(user, via, () -> {
            FeatureManager manager = featureManager.getIfAvailable();
            if (manager != null) {
                manager.setFeatureState(PhaseToggleStates.stateFor(migrationId, phase));
            }
            else {
                repository.setFeatureState(PhaseToggleStates.stateFor(migrationId, phase));
            }
            return null;
        });
    }

    /**
     * The phase stored in the shared toggle of {@code migrationId}, or why the stored state is not valid. Reads the
     * shared repository (one round trip); to know the phase this instance acts on, ask the {@code PhaseSource}.
     *
     * @throws IllegalArgumentException when the migration is not declared
     */
    public Reading storedState(String migrationId) {
        registry.require(migrationId);
        return PhaseToggleStates.read(repository.getFeatureState(new NamedFeature(migrationId)));
    }
}
