package io.dualwrite.shadow;

import java.util.Objects;

import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.togglz.core.activation.GradualActivationStrategy;
import org.togglz.core.manager.FeatureManager;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.repository.StateRepository;
import org.togglz.core.util.NamedFeature;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;

/**
 * The shadow-read sample rate of each migration as a Togglz feature, {@code <migration-id>.shadow-reads}, stored with
 * the phase toggles in the shared state repository (MongoDB), so every instance acts on one rate and operators change
 * it in the Togglz console. The rate is Togglz's built-in "Gradual rollout" strategy ({@value GradualActivationStrategy#ID})
 * and its {@value GradualActivationStrategy#PARAM_PERCENTAGE} parameter, a whole percentage:
 * <ul>
 * <li>disabled: 0 (shadow reads off);</li>
 * <li>enabled, "Gradual rollout" with percentage {@code p} (0 to 100): {@code p / 100};</li>
 * <li>enabled without a strategy: 1 (Togglz's meaning: on for everyone);</li>
 * <li>anything else (another strategy, a missing or malformed percentage): not a rate; instances keep the last valid
 * rate and report the problem ({@link ShadowReads#conflicts()}).</li>
 * </ul>
 * Only the stored parameter is used: whether a read is compared is drawn at random per read, not from the user name
 * the strategy hashes when Togglz evaluates it.
 */
public class TogglzSampleRates implements SampleRateSource {

    private static final Logger log = LoggerFactory.getLogger(TogglzSampleRates.class);

    /** Appended to the migration id to name its rate feature. */
    public static final String SUFFIX = ".shadow-reads";

    private final StateRepository repository;

    private final ObjectProvider<FeatureManager> featureManager;

    private final MongoCollection<Document> seedStates;

    /**
     * @param repository the shared state repository (read directly, no cache)
     * @param featureManager Togglz's feature manager; changes go through it when there is one (so Togglz listeners see
     * them), else to {@code repository}
     * @param seedStates the MongoDB collection behind {@code repository}, where missing rates are seeded with the
     * default; {@code null} when the repository is not dualwrite's (then a missing rate just reads as the default)
     */
    public TogglzSampleRates(StateRepository repository, ObjectProvider<FeatureManager> featureManager,
            MongoCollection<Document> seedStates) {
        this.repository = Objects.requireNonNull(repository, "repository");
        this.featureManager = Objects.requireNonNull(featureManager, "featureManager");
        this.seedStates = seedStates;
    }

    /** The Togglz feature carrying a migration's sample rate. */
    public static String featureName(String migrationId) {
        return migrationId + SUFFIX;
    }

    /** The canonical state for a rate (already checked): enabled when above 0, "Gradual rollout" with its percentage. */
    public static FeatureState stateFor(String migrationId, double rate) {
        return new FeatureState(new NamedFeature(featureName(migrationId)), rate > 0)
                .setStrategyId(GradualActivationStrategy.ID)
                .setParameter(GradualActivationStrategy.PARAM_PERCENTAGE, Integer.toString(ShadowReads.percent(rate)));
    }

    /** Reads a stored state as a rate (see the class comment). */
    public static SampleRateReading read(FeatureState state) {
        if (state == null) {
            return SampleRateReading.notStored();
        }
        if (!state.isEnabled()) {
            return SampleRateReading.of(0);
        }
        String strategy = state.getStrategyId();
        if (strategy == null || strategy.isBlank()) {
            return SampleRateReading.of(1);
        }
        if (!GradualActivationStrategy.ID.equals(strategy)) {
            return SampleRateReading.invalid("the toggle uses the activation strategy '" + strategy + "'; a shadow-read "
                    + "rate is the strategy 'Gradual rollout' (" + GradualActivationStrategy.ID + ") with a percentage");
        }
        String percentage = state.getParameter(GradualActivationStrategy.PARAM_PERCENTAGE);
        if (percentage == null || !percentage.strip().matches("\\d{1,3}")
                || Integer.parseInt(percentage.strip()) > 100) {
            return SampleRateReading.invalid("the percentage of 'Gradual rollout' is " + (percentage == null ? "missing"
                    : "'" + percentage + "'") + "; it must be a whole number from 0 to 100");
        }
        return SampleRateReading.of(Integer.parseInt(percentage.strip()) / 100.0);
    }

    @Override
    public SampleRateReading read(String migrationId) {
        return read(repository.getFeatureState(new NamedFeature(featureName(migrationId))));
    }

    @Override
    public void write(String migrationId, double rate) {
        FeatureState state = stateFor(migrationId, rate);
        FeatureManager manager = featureManager.getIfAvailable();
        if (manager != null) {
            manager.setFeatureState(state);
        }
        else {
            repository.setFeatureState(state);
        }
    }

    @Override
    public void seedIfAbsent(String migrationId, double rate) {
        if (seedStates != null) {
            seed(seedStates, migrationId, rate);
        }
    }

    /**
     * Stores the rate of a migration that has none yet, never overwriting a stored one: an insert-if-absent on the
     * feature name in the toggle collection (unique index), in togglz-mongodb's document format, so instances starting
     * at the same moment cannot overwrite each other or an operator's choice.
     *
     * @return whether this call stored it
     */
    public static boolean seed(MongoCollection<Document> states, String migrationId, double rate) {
        String feature = featureName(migrationId);
        try {
            UpdateResult result = states.updateOne(Filters.eq("feature", feature),
                    Updates.combine(Updates.setOnInsert("feature", feature), Updates.setOnInsert("enabled", rate > 0),
                            Updates.setOnInsert("strategy", GradualActivationStrategy.ID),
                            Updates.setOnInsert("params", new Document(GradualActivationStrategy.PARAM_PERCENTAGE,
                                    Integer.toString(ShadowReads.percent(rate))))),
                    new UpdateOptions().upsert(true));
            boolean inserted = result.getUpsertedId() != null;
            if (inserted) {
                log.info("Seeded the shadow-read toggle '{}' with {} %", feature, ShadowReads.percent(rate));
            }
            return inserted;
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false; // another instance inserted it between our filter and our insert
            }
            throw ex;
        }
    }
}
