package io.dualwrite.toggle;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.dualwrite.Migration;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import org.togglz.core.Feature;
import org.togglz.core.metadata.FeatureGroup;
import org.togglz.core.metadata.FeatureMetaData;
import org.togglz.core.metadata.SimpleFeatureGroup;
import org.togglz.core.repository.FeatureState;
import org.togglz.core.spi.FeatureProvider;
import org.togglz.core.util.NamedFeature;

/**
 * Provides one Togglz feature per declared migration, named after the migration id (for example {@code customers-v2}),
 * labelled "Migration &lt;id&gt; — phase" in group {@value #GROUP}. Features the application declares itself
 * (Togglz feature enums or {@code togglz.features.*}) are served by the {@code others} provider, listed after them.
 */
public class MigrationFeatureProvider implements FeatureProvider {

    /** The console group of the migration toggles. */
    public static final String GROUP = "dualwrite migrations";

    private final MigrationRegistry registry;

    private final FeatureProvider others;

    /**
     * @param registry the declared migrations
     * @param others the application's own features, or {@code null} when there are none
     */
    public MigrationFeatureProvider(MigrationRegistry registry, FeatureProvider others) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.others = others;
    }

    @Override
    public Set<Feature> getFeatures() {
        Set<Feature> features = new LinkedHashSet<>();
        for (String id : registry.ids()) {
            features.add(new NamedFeature(id));
        }
        if (others != null) {
            features.addAll(others.getFeatures());
        }
        return features;
    }

    @Override
    public FeatureMetaData getMetaData(Feature feature) {
        return registry.find(feature.name())
                .<FeatureMetaData>map(MigrationMetaData::new)
                .orElseGet(() -> others == null ? null : others.getMetaData(feature));
    }

    /** The label the console shows for a migration's toggle. */
    public static String label(String migrationId) {
        return "Migration " + migrationId + " \u2014 phase";
    }

    private static final class MigrationMetaData implements FeatureMetaData {

        private final Migration<?> migration;

        MigrationMetaData(Migration<?> migration) {
            this.migration = migration;
        }

        @Override
        public String getLabel() {
            return label(migration.id());
        }

        @Override
        public FeatureState getDefaultFeatureState() {
            return PhaseToggleStates.stateFor(migration.id(), Phase.OLD_ONLY);
        }

        @Override
        public Set<FeatureGroup> getGroups() {
            return Set.of(new SimpleFeatureGroup(GROUP));
        }

        @Override
        public Map<String, String> getAttributes() {
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("entity", migration.domainType().getName());
            attributes.put("collections", migration.shape(io.dualwrite.Shape.OLD).collection() + " -> "
                    + migration.shape(io.dualwrite.Shape.NEW).collection());
            return Collections.unmodifiableMap(attributes);
        }
    }
}
