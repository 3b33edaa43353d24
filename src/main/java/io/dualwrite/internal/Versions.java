package io.dualwrite.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Versions written by the layer. A version is a {@code long} whose high bits count the writes of an entity and whose
 * low {@value #RANDOM_BITS} bits are drawn at random for each write. Comparing versions as numbers orders them by
 * write count, like a plain counter; and two writers that both start from the same version (possible only when
 * instances in adjacent phases write different shapes first) produce different versions, so each can tell whether a
 * shape holds its own write or another one. Documents written before the migration have no version and count as 0.
 */
public final class Versions {

    /** Bits of randomness per write. */
    public static final int RANDOM_BITS = 32;

    private Versions() {
    }

    /** How many writes precede this version. */
    public static long counter(long version) {
        return version >>> RANDOM_BITS;
    }

    /** The smallest version of a given write count: every version with a smaller count is below it. */
    public static long floor(long counter) {
        return counter << RANDOM_BITS;
    }

    /** The version of the write following {@code version}. */
    public static long next(long version) {
        return floor(counter(version) + 1) | ThreadLocalRandom.current().nextLong(1L << RANDOM_BITS);
    }

    /** The version of a new entity's first write. */
    public static long first() {
        return next(0L);
    }
}
