package io.dualwrite.sample;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

import io.dualwrite.Phase;
import io.dualwrite.spi.PhaseSource;

/**
 * Test-only beans of the sample: a phase source the tests set (the Togglz-backed one is not on this branch) and a
 * clock that moves one second forward on every reading, so creation times are distinct and ordered.
 */
@TestConfiguration(proxyBeanMethods = false)
class SampleTestConfiguration {

    @Bean
    @Primary
    TestPhaseSource testPhaseSource() {
        return new TestPhaseSource();
    }

    @Bean
    @Primary
    TickingClock tickingClock() {
        return new TickingClock(Instant.parse("2026-03-01T09:00:00.250Z"));
    }

    /** A phase source set by the tests; every migration starts in {@code OLD_ONLY}. */
    static final class TestPhaseSource implements PhaseSource {

        private final Map<String, Phase> phases = new ConcurrentHashMap<>();

        @Override
        public Phase currentPhase(String migrationId) {
            return phases.getOrDefault(migrationId, Phase.OLD_ONLY);
        }

        void set(String migrationId, Phase phase) {
            phases.put(migrationId, phase);
        }
    }

    /** A clock that advances one second each time it is read. */
    static final class TickingClock extends Clock {

        private final AtomicLong millis;

        TickingClock(Instant start) {
            this.millis = new AtomicLong(start.toEpochMilli());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the test clock is UTC only");
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.getAndAdd(1000));
        }
    }
}
