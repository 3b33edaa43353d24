package io.dualwrite.sample;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The sample's own settings, under the {@code customers} prefix.
 */
@ConfigurationProperties("customers")
public class CustomersProperties {

    /** Legacy data written at startup into an empty users collection. */
    private final Seed seed = new Seed();

    /** Legacy data written at startup. */
    public Seed getSeed() {
        return seed;
    }

    /** Legacy data written at startup into an empty {@code users} collection. */
    public static class Seed {

        /** How many legacy users to insert when the users collection is empty; 0 disables seeding. */
        private int count = 200;

        /** Seed of the random generator, so that every instance and every run writes the same users. */
        private long randomSeed = 20240501L;

        /** How many legacy users to insert; 0 disables seeding. */
        public int getCount() {
            return count;
        }

        /** Sets how many legacy users to insert. */
        public void setCount(int count) {
            this.count = count;
        }

        /** The random seed. */
        public long getRandomSeed() {
            return randomSeed;
        }

        /** Sets the random seed. */
        public void setRandomSeed(long randomSeed) {
            this.randomSeed = randomSeed;
        }
    }
}
