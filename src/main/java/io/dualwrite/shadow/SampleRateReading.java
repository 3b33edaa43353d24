package io.dualwrite.shadow;

/**
 * What a {@link SampleRateSource} holds for one migration: a rate, nothing yet, or a state that is not a rate.
 *
 * @param rate the rate (0 to 1), or {@code null} when there is none
 * @param problem why the stored state is not a rate, or {@code null}
 */
public record SampleRateReading(Double rate, String problem) {

    /** A stored rate. */
    public static SampleRateReading of(double rate) {
        return new SampleRateReading(rate, null);
    }

    /** Nothing stored yet: the configured default applies. */
    public static SampleRateReading notStored() {
        return new SampleRateReading(null, null);
    }

    /** A stored state that is not a rate. */
    public static SampleRateReading invalid(String problem) {
        return new SampleRateReading(null, problem);
    }

    /** Whether the state is unusable (the last valid rate is kept). */
    public boolean isInvalid() {
        return problem != null;
    }
}
