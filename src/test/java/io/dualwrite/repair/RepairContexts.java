package io.dualwrite.repair;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.bson.Document;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;

import io.dualwrite.Phase;
import io.dualwrite.copier.JobListener;
import io.dualwrite.fixtures.FixtureApplication;
import io.dualwrite.fixtures.Fixtures;
import io.dualwrite.fixtures.SettablePhaseSource;

/**
 * Fixture application contexts (each a simulated service instance) for the repair tests: a clock the test moves, the
 * {@link RepairHooks} on the driver, no background repair loop unless a test asks for one; and the one way these
 * tests make a second write fail for real: a unique index in a shape, and a document there ("squatter") that already
 * holds the value.
 */
final class RepairContexts {

    private RepairContexts() {
    }

    static ConfigurableApplicationContext start(String database, Clock clock, String... properties) {
        return start(database, clock, null, properties);
    }

    /** The same, with a copier job listener (called on the workers' threads), {@code null} for none. */
    static ConfigurableApplicationContext start(String database, Clock clock, JobListener listener,
            String... properties) {
        List<String> all = new ArrayList<>(List.of(Fixtures.mongoProperties(database)));
        all.addAll(List.of("dualwrite.toggles.poll-in-background=false", "spring.main.banner-mode=off",
                "dualwrite.copier.poll-interval=10ms", "dualwrite.repair.enabled=false"));
        all.addAll(List.of(properties)); // later entries win
        return new SpringApplicationBuilder(FixtureApplication.class).web(WebApplicationType.NONE)
                .properties(all.toArray(String[]::new))
                .initializers(context -> {
                    GenericApplicationContext beans = (GenericApplicationContext) context;
                    beans.registerBean("testClock", Clock.class, () -> clock);
                    if (listener != null) {
                        beans.registerBean("testJobListener", JobListener.class, () -> listener);
                    }
                    beans.registerBean("repairHooks", MongoClientSettingsBuilderCustomizer.class,
                            () -> settings -> settings.addCommandListener(new RepairHooks()));
                })
                .run();
    }

    static void phase(ConfigurableApplicationContext context, Phase phase) {
        context.getBean(SettablePhaseSource.class).setAll(phase);
    }

    static MongoCollection<Document> collection(ConfigurableApplicationContext context, String name) {
        return Fixtures.database(context).getCollection(name);
    }

    /**
     * Makes writes of {@code value} into {@code field} of {@code collection} fail: a sparse unique index on the field
     * (tombstones, which have no such field, are not refused) and a document that holds the value.
     */
    static void block(ConfigurableApplicationContext context, String collection, String field, String value) {
        MongoCollection<Document> target = collection(context, collection);
        target.createIndex(Indexes.ascending(field), new IndexOptions().unique(true).sparse(true));
        target.insertOne(new Document("_id", squatter(value)).append(field, value).append("version", 1L));
    }

    /** Removes what {@link #block} put there: the next writes of the value apply. */
    static void unblock(ConfigurableApplicationContext context, String collection, String value) {
        collection(context, collection).deleteOne(Filters.eq("_id", squatter(value)));
    }

    private static String squatter(String value) {
        return "zz-squatter-" + value;
    }
}
