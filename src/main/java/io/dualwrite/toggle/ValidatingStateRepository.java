package io.dualwrite.toggle;

import java.util.Objects;
import java.util.Optional;

import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import io.dualwrite.toggle.AuditEntry.Outcome;
import io.dualwrite.toggle.PhaseChangeContext.Requester;
import io.dualwrite.toggle.PhaseHistory.AcceptedPhase;
import io.dualwrite.toggle.PhaseToggleStates.Reading;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.togglz.core.Feature;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;

/**
 * The shared {@link StateRepository} Togglz uses, wrapping the MongoDB one: reads go straight through (no cache),
 * writes of a migration toggle go through the phase guard first.
 * <p>
 * A write of a migration toggle is refused with an {@link IllegalArgumentException}, and nothing is stored, when the
 * state is not a valid phase toggle (disabled, another activation strategy, a missing or unknown phase) or when the
 * {@link PhaseChangeValidator} refuses the change ({@link PhaseChangeRefusedException}). The change is checked from
 * the phase last accepted ({@link PhaseHistory}), then stored there with a compare-and-set, so two requests made at
 * once cannot both win; only then is the Togglz state written, in its canonical form (enabled, strategy
 * {@value PhaseActivationStrategy#ID}, the phase parameter only). Every request, accepted or not, goes to the audit
 * log. Writing the phase already accepted rewrites the Togglz state (which heals one edited by hand) without an audit
 * entry. Features that are not migrations pass through untouched.
 */
public class ValidatingStateRepository implements StateRepository {

    private static final Logger log = LoggerFactory.getLogger(ValidatingStateRepository.class);

    private final StateRepository delegate;

    private final MigrationRegistry registry;

    private final PhaseChangeValidator validator;

    private final PhaseHistory history;

    /**
     * @param delegate the shared repository the states are stored in
     * @param registry the declared migrations (their toggles are validated)
     * @param validator decides whether a phase change is allowed
     * @param history the accepted phases (compare-and-set) and the audit log
     */
    public ValidatingStateRepository(StateRepository delegate, MigrationRegistry registry,
            PhaseChangeValidator validator, PhaseHistory history) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.history = Objects.requireNonNull(history, "history");
    }

    /** The repository the states are stored in. */
    public StateRepository delegate() {
        return delegate;
    }

    /** The accepted phases and the audit log. */
    public PhaseHistory history() {
        return history;
    }

    @Override
    public FeatureState getFeatureState(Feature feature) {
        return delegate.getFeatureState(feature);
    }

    @Override
    public void setFeatureState(FeatureState state) {
        String name = state.getFeature().name();
        if (registry.find(name).isEmpty()) {
            delegate.setFeatureState(state);
            return;
        }
        Requester requester = PhaseChangeContext.current();
        Reading requested = PhaseToggleStates.read(state);
        Optional<AcceptedPhase> accepted = history.accepted(name);
        Phase from = accepted.map(AcceptedPhase::phase).orElse(null);
        if (accepted.isEmpty()) {
            Reading stored = PhaseToggleStates.read(delegate.getFeatureState(state.getFeature()));
            if (stored.valid()) {
                accepted = Optional.of(history.adopt(name, stored.phase(),
                        "the stored toggle state, found when the first change was requested"));
                from = stored.phase();
            }
        }
        if (!requested.valid()) {
            String reason = requested.problem() + " (requested " + PhaseToggleStates.describe(state) + "). A "
                    + "migration toggle must be enabled, use the activation strategy '" + PhaseActivationStrategy.NAME
                    + "' (" + PhaseActivationStrategy.ID + ") and have its phase set to one of " + Phase.names()
                    + ". Nothing was changed.";
            refuse(name, requester, from, null, reason);
        }
        Phase to = requested.phase();
        if (from == to) {
            delegate.setFeatureState(PhaseToggleStates.stateFor(name, to));
            return;
        }
        try {
            validator.validate(name, from, to);
        }
        catch (PhaseChangeRefusedException ex) {
            history.record(new AuditEntry(name, history.now(), requester.user(), requester.via(), from, to,
                    Outcome.REFUSED, ex.reason()));
            throw ex;
        }
        catch (IllegalArgumentException ex) {
            refuse(name, requester, from, to, ex.getMessage());
        }
        Optional<AcceptedPhase> stored = history.compareAndSet(name, accepted.orElse(null), to, requester.user());
        if (stored.isEmpty()) {
            AcceptedPhase now = history.accepted(name).orElse(null);
            refuse(name, requester, from, to, "another change was accepted at the same moment"
                    + (now == null ? "" : " (the phase is now " + now.phase() + ", set by " + now.by() + ")")
                    + ". Reload the page and decide again from the current phase.");
        }
        try {
            delegate.setFeatureState(PhaseToggleStates.stateFor(name, to));
        }
        catch (RuntimeException ex) {
            Optional<AcceptedPhase> undone = from == null ? Optional.empty()
                    : history.compareAndSet(name, stored.get(), from, "dualwrite (undoing a failed change)");
            String reason = "the toggle state could not be written (" + ex.getMessage() + "); "
                    + (undone.isPresent() ? "the accepted phase was set back to " + from
                            : "the accepted phase could not be set back, instances report the conflict until the change "
                                    + "is requested again")
                    + ". Retry when the database is reachable.";
            history.record(new AuditEntry(name, history.now(), requester.user(), requester.via(), from, to,
                    Outcome.FAILED, reason));
            throw new IllegalStateException("Could not move migration '" + name + "' to " + to + ": " + reason, ex);
        }
        history.record(new AuditEntry(name, history.now(), requester.user(), requester.via(), from, to,
                Outcome.ACCEPTED, null));
        log.info("Migration '{}': {} moved the shared phase from {} to {} (via {})", name, requester.user(), from, to,
                requester.via());
    }

    private void refuse(String name, Requester requester, Phase from, Phase to, String reason) {
        history.record(new AuditEntry(name, history.now(), requester.user(), requester.via(), from, to,
                Outcome.REFUSED, reason));
        log.warn("Migration '{}': refused {}'s request (via {}) to move from {} to {}: {}", name, requester.user(),
                requester.via(), from, to, reason);
        throw new PhaseChangeRefusedException(name, from, to, reason);
    }
}
