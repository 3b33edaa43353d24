package io.dualwrite.metrics;

import java.util.Objects;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import io.dualwrite.Shape;
import io.dualwrite.spi.ShapeTraffic;

/**
 * Counts the repository traffic of each migration per shape, with counters resolved once per migration when the
 * stores are built, so a repository call costs one counter increment per shape it touches:
 * <ul>
 * <li>{@code dualwrite.reads} (tags {@code migration}, {@code shape}: {@code old} or {@code new}): reads sent to the
 * shape the phase reads;</li>
 * <li>{@code dualwrite.writes} (same tags): saves and deletes, once for each shape the phase writes;</li>
 * <li>{@code dualwrite.second-write.failures} (same tags): second writes of a dual write that did not reach the shape
 * and are left for repair.</li>
 * </ul>
 */
public final class ShapeTrafficMeters implements ShapeTraffic.Factory {

    /** The reads counter's name. */
    public static final String READS = "dualwrite.reads";

    /** The writes counter's name. */
    public static final String WRITES = "dualwrite.writes";

    /** The failed second writes counter's name. */
    public static final String SECOND_WRITE_FAILURES = "dualwrite.second-write.failures";

    private final MeterRegistry registry;

    /** @param registry where the counters are registered */
    public ShapeTrafficMeters(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    public ShapeTraffic forMigration(String migrationId) {
        return new Counters(counter(READS, migrationId, Shape.OLD, "Repository reads sent to the shape"),
                counter(READS, migrationId, Shape.NEW, "Repository reads sent to the shape"),
                counter(WRITES, migrationId, Shape.OLD, "Repository writes (saves, deletes) sent to the shape"),
                counter(WRITES, migrationId, Shape.NEW, "Repository writes (saves, deletes) sent to the shape"),
                counter(SECOND_WRITE_FAILURES, migrationId, Shape.OLD,
                        "Second writes of a dual write that did not reach the shape (left for repair)"),
                counter(SECOND_WRITE_FAILURES, migrationId, Shape.NEW,
                        "Second writes of a dual write that did not reach the shape (left for repair)"));
    }

    private Counter counter(String name, String migrationId, Shape shape, String description) {
        return Counter.builder(name).tag("migration", migrationId).tag("shape", shape.tag())
                .description(description).register(registry);
    }

    /** The six counters of one migration, chosen by shape with one comparison. */
    private record Counters(Counter oldReads, Counter newReads, Counter oldWrites, Counter newWrites,
            Counter oldFailures, Counter newFailures) implements ShapeTraffic {

        @Override
        public void read(Shape shape) {
            (shape == Shape.OLD ? oldReads : newReads).increment();
        }

        @Override
        public void write(Shape shape) {
            (shape == Shape.OLD ? oldWrites : newWrites).increment();
        }

        @Override
        public void secondWriteFailed(Shape shape) {
            (shape == Shape.OLD ? oldFailures : newFailures).increment();
        }
    }
}
