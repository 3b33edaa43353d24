package io.dualwrite.shadow;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import org.togglz.core.Feature;
import org.togglz.core.metadata.FeatureGroup;
import org.togglz.core.metadata.FeatureMetaData;
import org.togglz.core.metadata.SimpleFeatureGroup;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.spi.FeatureProvider;
import org.togglz.core.util.NamedFeature;

import io.dualwrite.toggle.MigrationFeatureProvider;

/**
 * Wraps the application's Togglz {@link FeatureProvider} and adds one feature per migration,
 * {@code <migration-id>.shadow-reads}, labelled "Migration &lt;id&gt; — shadow reads (% of reads compared)" in the
 * migrations' console group, so operators see and edit the sample rate next to the phase.
 */
public class ShadowReadFeatureProvider implements FeatureProvider {

    private final FeatureProvider delegate;

    private final Supplier<Collection<String>> migrationIds;

    private final double defaultRate;

    /**
     * @param delegate the provider wrapped
     * @param migrationIds the declared migration ids (asked lazily)
     * @param defaultRate the rate shown as the default state
     */
    public ShadowReadFeatureProvider(FeatureProvider delegate, Supplier<Collection<String>> migrationIds,
            double defaultRate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.migrationIds = Objects.requireNonNull(migrationIds, "migrationIds");
        this.defaultRate = defaultRate;
    }

    /** The provider wrapped. */
    public FeatureProvider delegate() {
        return delegate;
    }

    @Override
    public Set<Feature> getFeatures() {
        Set<Feature> features = new LinkedHashSet<>(delegate.getFeatures());
        for (String id : migrationIds.get()) {
            features.add(new NamedFeature(TogglzSampleRates.featureName(id)));
        }
        return features;
    }

    @Override
    public FeatureMetaData getMetaData(Feature feature) {
        String name = feature.name();
        if (name.endsWith(TogglzSampleRates.SUFFIX)) {
            String id = name.substring(0, name.length() - TogglzSampleRates.SUFFIX.length());
            if (migrationIds.get().contains(id)) {
                return new RateMetaData(id);
            }
        }
        return delegate.getMetaData(feature);
    }

    /** The label the console shows for a migration's shadow-read rate. */
    public static String label(String migrationId) {
        return "Migration " + migrationId + " \u2014 shadow reads (% of reads compared)";
    }

    private final class RateMetaData implements FeatureMetaData {

        private final String migrationId;

        RateMetaData(String migrationId) {
            this.migrationId = migrationId;
        }

        @Override
        public String getLabel() {
            return label(migrationId);
        }

        @Override
        public FeatureState getDefaultFeatureState() {
            return TogglzSampleRates.stateFor(migrationId, defaultRate);
        }

        @Override
        public Set<FeatureGroup> getGroups() {
            return Set.of(new SimpleFeatureGroup(MigrationFeatureProvider.GROUP));
        }

        @Override
        public Map<String, String> getAttributes() {
            return Map.of("meaning", "In READ_OLD_WRITE_BOTH and READ_NEW_WRITE_BOTH this percentage of reads also "
                    + "reads the other shape and compares (strategy 'Gradual rollout'; disabled = 0)");
        }
    }
}
