package io.dualwrite.spi;

import io.dualwrite.SecondWriteFailure;

/**
 * Told when the second write of a dual write did not apply: the caller's write succeeded on the phase's source of
 * truth and is acknowledged, but the other shape was not updated. The default implementation logs it and records it
 * durably in MongoDB so that the repair job and the verifier see it; exceptions thrown here are logged and swallowed.
 */
@FunctionalInterface
public interface SecondWriteFailureHandler {

    /**
     * @param failure what failed, never {@code null}
     */
    void onSecondWriteFailure(SecondWriteFailure failure);
}
