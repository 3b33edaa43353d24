package io.dualwrite.copier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.dualwrite.support.MutableClock;

/** {@link RateLimiter} on a clock that only the test moves: waits are counted, never timed. */
class RateLimiterTests {

    private final MutableClock clock = new MutableClock();

    private final RateLimiter limiter = new RateLimiter(clock);

    @Test
    void unlimitedNeverWaits() {
        assertThat(limiter.rate()).isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.reserve(10_000)).isZero();
        }
        limiter.setRate(-5);
        assertThat(limiter.rate()).isZero();
        assertThat(limiter.reserve(10_000)).isZero();
    }

    @Test
    void eachBatchWaitsForThePreviousOnesShareOfTime() {
        limiter.setRate(100);
        assertThat(limiter.rate()).isEqualTo(100);
        assertThat(limiter.reserve(10)).as("the first batch goes at once").isZero();
        assertThat(limiter.reserve(10)).isEqualTo(Duration.ofMillis(100));
        assertThat(limiter.reserve(20)).as("reservations queue up").isEqualTo(Duration.ofMillis(200));
        clock.advance(Duration.ofMillis(400));
        assertThat(limiter.reserve(5)).isZero();
        assertThat(limiter.reserve(5)).isEqualTo(Duration.ofMillis(50));
    }

    @Test
    void idleTimeBuysNoBurstBeyondOneBatch() {
        limiter.setRate(100);
        limiter.reserve(10);
        clock.advance(Duration.ofHours(1));
        assertThat(limiter.reserve(10)).isZero();
        assertThat(limiter.reserve(10)).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aNewRateAppliesFromTheNextReservation() {
        limiter.setRate(100);
        assertThat(limiter.reserve(10)).isZero();
        limiter.setRate(1_000);
        assertThat(limiter.reserve(10)).as("still paying for the batch reserved at 100/s")
                .isEqualTo(Duration.ofMillis(100));
        assertThat(limiter.reserve(10)).as("the batch reserved at 1000/s").isEqualTo(Duration.ofMillis(110));
        limiter.setRate(0);
        assertThat(limiter.reserve(10)).as("unlimited again").isZero();
    }

    /**
     * Whatever the batch sizes and however long the caller takes between batches, over any interval the documents
     * started are at most rate × length of the interval plus the batch started at its end.
     */
    @Test
    void neverMoreThanTheRateOverAnyInterval() {
        Random random = new Random(7);
        double rate = 250;
        limiter.setRate(rate);
        List<Instant> starts = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int size = 1 + random.nextInt(100);
            Duration wait = limiter.reserve(size);
            assertThat(wait.isNegative()).isFalse();
            clock.advance(wait);
            starts.add(clock.instant());
            sizes.add(size);
            clock.advance(Duration.ofMillis(random.nextInt(3) == 0 ? random.nextInt(500) : 0)); // processing
        }
        for (int i = 0; i < starts.size(); i++) {
            long documents = 0;
            for (int j = i; j < starts.size(); j++) {
                documents += sizes.get(j);
                double seconds = Duration.between(starts.get(i), starts.get(j)).toNanos() / 1e9;
                assertThat((double) documents - sizes.get(j)).as("documents started in [%d, %d)", i, j)
                        .isLessThanOrEqualTo(rate * seconds + 1e-6);
            }
        }
    }
}
