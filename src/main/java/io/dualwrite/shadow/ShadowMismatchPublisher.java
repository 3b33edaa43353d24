package io.dualwrite.shadow;

/**
 * Told about every confirmed shadow-read mismatch, on the comparison thread, after it was recorded in the mismatch
 * collection (like Scientist's {@code publish}). Declare beans of this type to send mismatches elsewhere (an alert, a
 * log pipeline); there is none by default. What one throws is logged and does not stop the others.
 */
@FunctionalInterface
public interface ShadowMismatchPublisher {

    /** Handles one confirmed mismatch; should return quickly (comparisons wait meanwhile). */
    void publish(ShadowMismatch mismatch);
}
