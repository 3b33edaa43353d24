package io.dualwrite.shadow;

/**
 * Where the shared shadow-read sample rate of each migration is stored. The default keeps it in a Togglz feature per
 * migration ({@link TogglzSampleRates}); without Togglz it is kept in memory by each instance
 * ({@link #inMemory}).
 */
public interface SampleRateSource {

    /**
     * The stored rate of a migration (one round trip; {@link ShadowReads} polls it).
     *
     * @return the rate, "not stored", or why the stored state is not a rate
     */
    SampleRateReading read(String migrationId);

    /**
     * Stores a migration's rate, already checked by the caller (0 to 1, whole percent).
     *
     * @throws IllegalArgumentException when the store refuses it; nothing is stored then
     */
    void write(String migrationId, double rate);

    /**
     * Stores {@code rate} for a migration that has no rate stored yet, never overwriting one; called at startup with
     * the configured default. By default does nothing (a missing rate reads as the default anyway).
     */
    default void seedIfAbsent(String migrationId, double rate) {
    }

    /** Rates kept in this instance's memory only: each instance starts at the default and changes alone. */
    static SampleRateSource inMemory() {
        java.util.Map<String, Double> rates = new java.util.concurrent.ConcurrentHashMap<>();
        return new SampleRateSource() {

            @Override
            public SampleRateReading read(String migrationId) {
                Double rate = rates.get(migrationId);
                return rate == null ? SampleRateReading.notStored() : SampleRateReading.of(rate);
            }

            @Override
            public void write(String migrationId, double rate) {
                rates.put(migrationId, rate);
            }
        };
    }
}
