package io.dualwrite.support;

import java.time.Clock;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.dualwrite.autoconfigure.DualWriteTogglzAutoConfiguration;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.mongodb.autoconfigure.DataMongoAutoConfiguration;
import org.springframework.boot.mongodb.autoconfigure.MongoAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.togglz.spring.boot.actuate.autoconfigure.TogglzAutoConfiguration;

/**
 * Builds non-web application contexts holding the shared toggles on the embedded server, each with its own
 * {@link MutableClock} and background polling off, so tests drive refreshes by moving the clock.
 */
public final class ToggleContexts {

    /** The collection the toggle states live in (the default of dualwrite.toggles.collection). */
    public static final String COLLECTION = "dualwrite_togglz";

    /** A location without toggle files: every migration is seeded with OLD_ONLY. */
    public static final String NO_FILES = "dualwrite.toggles.locations=classpath:toggles-test/empty/";

    private ToggleContexts() {
    }

    /** A context on {@code database} with the test migrations, Spring Data MongoDB, Togglz and the toggles. */
    public static ApplicationContextRunner runner(String database, MutableClock clock) {
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MongoAutoConfiguration.class, DataMongoAutoConfiguration.class,
                        DualWriteTogglzAutoConfiguration.class, TogglzAutoConfiguration.class))
                .withUserConfiguration(TestMigrations.class)
                .withBean("testClock", Clock.class, () -> clock)
                .withPropertyValues(TestMongo.uriProperty(database), "dualwrite.toggles.poll-in-background=false",
                        NO_FILES);
    }

    /** The toggle states of {@code database}, for writing behind the application's back. */
    public static MongoCollection<Document> states(ApplicationContext context) {
        MongoClient client = context.getBean(MongoClient.class);
        String database = context.getBean(org.springframework.data.mongodb.MongoDatabaseFactory.class)
                .getMongoDatabase().getName();
        return client.getDatabase(database).getCollection(COLLECTION);
    }

    /** Changes the stored state of {@code feature} directly in MongoDB. */
    public static void updateBehindTheBack(ApplicationContext context, String feature, Bson update) {
        states(context).updateOne(Filters.eq("feature", feature), update);
    }

    /** Sets a stored state's phase parameter directly in MongoDB, whatever it is. */
    public static void setStoredPhase(ApplicationContext context, String feature, String phase) {
        updateBehindTheBack(context, feature, Updates.set("params.phase", phase));
    }
}
