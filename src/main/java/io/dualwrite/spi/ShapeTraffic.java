package io.dualwrite.spi;

import io.dualwrite.Shape;

/**
 * Told of every repository operation the phased store of one migration routes to a shape: what dualwrite's
 * Micrometer meters ({@code dualwrite.reads}, {@code dualwrite.writes}, {@code dualwrite.second-write.failures})
 * count. It is called on the hot path of every repository call, so an implementation must cost no more than
 * incrementing a counter it resolved beforehand: no I/O, no lookup by name or tags, no allocation.
 * <p>
 * One instance serves one migration ({@link Factory}); calls come from any thread.
 */
public interface ShapeTraffic {

    /** Counts nothing. */
    ShapeTraffic NONE = new ShapeTraffic() {

        @Override
        public void read(Shape shape) {
        }

        @Override
        public void write(Shape shape) {
        }

        @Override
        public void secondWriteFailed(Shape shape) {
        }
    };

    /** A read ({@code findById}, a finder, a count, an {@code exists}) went to {@code shape}, the phase's read shape. */
    void read(Shape shape);

    /**
     * A write (a save or a delete) went to {@code shape}: called once for every shape the phase writes, when the call
     * starts (so a write the version guard then refuses is counted too).
     */
    void write(Shape shape);

    /**
     * The second write of a dual write did not reach {@code shape} and is left for repair. Not called for a
     * same-moment conflict that the write protocol settled by refusing the caller (nothing is left to repair then).
     */
    void secondWriteFailed(Shape shape);

    /** Gives each migration its {@link ShapeTraffic}; called once per migration when the stores are built. */
    @FunctionalInterface
    interface Factory {

        /** Counts nothing for any migration. */
        Factory NONE = migrationId -> ShapeTraffic.NONE;

        /**
         * @param migrationId a declared migration id
         * @return the instance told of that migration's operations, never {@code null}
         */
        ShapeTraffic forMigration(String migrationId);
    }
}
