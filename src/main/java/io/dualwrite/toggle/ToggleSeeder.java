package io.dualwrite.toggle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import io.dualwrite.MigrationRegistry;
import io.dualwrite.Phase;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Gives every declared migration a shared toggle state when it has none, from the reviewed-in-Git file
 * {@code <location><environment>.properties} (the first of the configured locations that holds it), one line per
 * migration: {@code customers-v2=READ_OLD_WRITE_BOTH}. A migration the file does not mention starts in
 * {@link Phase#OLD_ONLY}.
 * <p>
 * Seeding never overwrites: a state that exists is kept, whatever the file says. Each state is inserted with an
 * insert-if-absent upsert guarded by a unique index on the feature name, so instances starting at the same moment
 * cannot overwrite each other or one another's console changes. The documents have the format of togglz-mongodb's
 * {@code MongoStateRepository}: {@code {feature, enabled, strategy, params: {phase}}}.
 * <p>
 * A file naming an undeclared migration, holding a value that is not a phase, or a malformed line fails startup with
 * the file, the line and the problem. Seeding runs when the bean is initialised.
 */
public class ToggleSeeder implements InitializingBean {

    private static final Logger log = LoggerFactory.getLogger(ToggleSeeder.class);

    static final String FEATURE = "feature";

    private final MigrationRegistry registry;

    private final MongoDatabase database;

    private final String collection;

    private final ResourceLoader resourceLoader;

    private final List<String> locations;

    private final String environment;

    private volatile Map<String, Phase> seeded = Map.of();

    /**
     * @param registry the declared migrations
     * @param database the database holding the shared toggle states
     * @param collection the collection holding them
     * @param resourceLoader resolves the locations
     * @param locations where {@code <environment>.properties} is looked up, in order
     * @param environment the environment whose file is read
     */
    public ToggleSeeder(MigrationRegistry registry, MongoDatabase database, String collection,
            ResourceLoader resourceLoader, List<String> locations, String environment) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.database = Objects.requireNonNull(database, "database");
        this.collection = Objects.requireNonNull(collection, "collection");
        this.resourceLoader = Objects.requireNonNull(resourceLoader, "resourceLoader");
        this.locations = List.copyOf(locations);
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    @Override
    public void afterPropertiesSet() {
        seed();
    }

    /**
     * Seeds the missing states.
     *
     * @return the migrations whose state this call inserted, with the phase inserted
     * @throws IllegalStateException when the file is malformed or names an undeclared migration or a wrong phase
     */
    public Map<String, Phase> seed() {
        Optional<Resource> file = findFile();
        Map<String, Phase> initial = file.map(this::parse).orElse(Map.of());
        String source = file.map(Resource::getDescription).orElse(null);
        if (file.isEmpty()) {
            log.info("No initial toggle file {}.properties in {}; migrations without a toggle state start in {}",
                    environment, locations, Phase.OLD_ONLY);
        }
        MongoCollection<Document> states = database.getCollection(collection);
        ensureUniqueFeatureIndex(states);
        Map<String, Phase> inserted = new LinkedHashMap<>();
        for (String id : registry.ids()) {
            Phase phase = initial.getOrDefault(id, Phase.OLD_ONLY);
            if (insertIfAbsent(states, id, phase)) {
                inserted.put(id, phase);
                log.info("Seeded the toggle of migration '{}' with phase {} ({})", id, phase,
                        initial.containsKey(id) ? "from " + source : "not in the toggle file: the first phase");
            }
            else {
                log.debug("Migration '{}' already has a toggle state; seeding leaves it as it is", id);
            }
        }
        this.seeded = Collections.unmodifiableMap(inserted);
        return seeded;
    }

    /** The states the last {@link #seed()} inserted. */
    public Map<String, Phase> seeded() {
        return seeded;
    }

    /** The toggle file of the configured environment, from the first location holding it. */
    public Optional<Resource> findFile() {
        for (String location : locations) {
            String base = location.endsWith("/") ? location : location + "/";
            Resource resource = resourceLoader.getResource(base + environment + ".properties");
            if (resource.exists()) {
                return Optional.of(resource);
            }
        }
        return Optional.empty();
    }

    private Map<String, Phase> parse(Resource resource) {
        String text;
        try (InputStream in = resource.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not read the toggle file " + resource.getDescription() + ": "
                    + ex.getMessage(), ex);
        }
        return parse(resource.getDescription(), text);
    }

    /**
     * Parses a toggle file's text.
     *
     * @param description names the file in error messages
     * @param text the file's content
     * @return the phase per migration id, in file order
     * @throws IllegalStateException listing every bad line with its number and the problem
     */
    Map<String, Phase> parse(String description, String text) {
        Map<String, Phase> phases = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            int number = i + 1;
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            int separator = line.indexOf('=');
            if (separator < 0) {
                problems.add("line " + number + ": '" + line + "' is not of the form <migration-id>=<PHASE>");
                continue;
            }
            String id = line.substring(0, separator).strip();
            String value = line.substring(separator + 1).strip();
            if (registry.find(id).isEmpty()) {
                problems.add("line " + number + ": no migration '" + id + "' is declared (declared: "
                        + (registry.ids().isEmpty() ? "none" : String.join(", ", registry.ids()))
                        + "); remove the line or fix the id");
                continue;
            }
            Phase phase;
            try {
                phase = Phase.parse(value);
            }
            catch (IllegalArgumentException ex) {
                problems.add("line " + number + ": migration '" + id + "': " + ex.getMessage());
                continue;
            }
            if (phases.putIfAbsent(id, phase) != null) {
                problems.add("line " + number + ": migration '" + id + "' is listed a second time; keep one line");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("The toggle file " + description + " is invalid:\n  "
                    + String.join("\n  ", problems) + "\nEach line is <migration-id>=<PHASE> with PHASE one of "
                    + Phase.names() + "; fix the file and restart.");
        }
        return phases;
    }

    private void ensureUniqueFeatureIndex(MongoCollection<Document> states) {
        try {
            states.createIndex(Indexes.ascending(FEATURE), new IndexOptions().unique(true).name("dualwrite_feature"));
        }
        catch (MongoException ex) {
            throw new IllegalStateException("Could not create the unique index on '" + FEATURE + "' in toggle "
                    + "collection '" + collection + "' (" + ex.getMessage() + "); if the collection holds two states "
                    + "for one feature, delete the extra one and restart", ex);
        }
    }

    private boolean insertIfAbsent(MongoCollection<Document> states, String id, Phase phase) {
        try {
            UpdateResult result = states.updateOne(Filters.eq(FEATURE, id),
                    Updates.combine(Updates.setOnInsert(FEATURE, id), Updates.setOnInsert("enabled", true),
                            Updates.setOnInsert("strategy", PhaseActivationStrategy.ID),
                            Updates.setOnInsert("params",
                                    new Document(PhaseActivationStrategy.PARAMETER, phase.name()))),
                    new UpdateOptions().upsert(true));
            return result.getUpsertedId() != null;
        }
        catch (MongoWriteException ex) {
            if (ex.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false; // another instance inserted it between our filter and our insert
            }
            throw ex;
        }
    }
}
