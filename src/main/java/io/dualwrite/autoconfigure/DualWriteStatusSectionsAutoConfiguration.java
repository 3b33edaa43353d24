package io.dualwrite.autoconfigure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.dualwrite.cleanup.CleanupHistory;
import io.dualwrite.cleanup.CleanupRecord;
import io.dualwrite.copier.JobReport;
import io.dualwrite.copier.JobRun;
import io.dualwrite.copier.ReverseCopier;
import io.dualwrite.copier.ReverseVerifier;
import io.dualwrite.repair.RepairRecord;
import io.dualwrite.repair.Repairs;
import io.dualwrite.shadow.ShadowMismatch;
import io.dualwrite.shadow.ShadowReadStats;
import io.dualwrite.shadow.ShadowReads;
import io.dualwrite.status.StatusContributor;
import io.dualwrite.status.StatusSection;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;

/**
 * The status sections of the parts that are present in this service: repairs, shadow reads, the reverse copy and
 * cleanup. Each is a {@link StatusContributor} bean, shown by the {@code dualwrite} endpoint and the status page; a
 * part that is switched off has no section.
 */
@AutoConfiguration(after = { DualWriteRepairAutoConfiguration.class, DualWriteShadowReadsAutoConfiguration.class,
        DualWriteCopierAutoConfiguration.class, DualWriteCleanupAutoConfiguration.class })
@ConditionalOnBooleanProperty(name = "dualwrite.enabled", matchIfMissing = true)
public class DualWriteStatusSectionsAutoConfiguration {

    private static final int LISTED = 5;

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(Repairs.class)
    static class RepairSection {

        /** Unrepaired failed second writes and the latest records. */
        @Bean
        @Order(10)
        @ConditionalOnMissingBean(name = "dualwriteRepairsStatus")
        StatusContributor dualwriteRepairsStatus(Repairs repairs) {
            return contributor("repairs", migrationId -> {
                Map<String, Object> facts = new LinkedHashMap<>();
                facts.put("unrepaired", repairs.unrepaired(migrationId));
                List<String> recent = new ArrayList<>();
                for (RepairRecord record : repairs.recent(migrationId, LISTED)) {
                    recent.add(record.at() + " _id=" + record.entityId() + " " + record.shape() + " shape: "
                            + (record.repaired() ? "repaired (" + record.resolution() + ")"
                                    : "not repaired, " + record.attempts() + " attempt(s)"
                                            + (record.lastError() == null ? "" : ", last error: " + record.lastError())));
                }
                facts.put("latest", recent);
                return Optional.of(new StatusSection("Repairs of failed second writes", facts));
            });
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(ShadowReads.class)
    static class ShadowReadSection {

        /** The sampling rate, this instance's comparison counts and the latest mismatches of every instance. */
        @Bean
        @Order(20)
        @ConditionalOnMissingBean(name = "dualwriteShadowReadsStatus")
        StatusContributor dualwriteShadowReadsStatus(ShadowReads shadowReads) {
            return contributor("shadowReads", migrationId -> {
                ShadowReadStats stats = shadowReads.stats(migrationId);
                Map<String, Object> facts = new LinkedHashMap<>();
                facts.put("sampleRate", stats.sampleRate());
                facts.put("compared (this instance)", stats.compared());
                facts.put("mismatches (this instance)", stats.mismatches());
                facts.put("unsettled (this instance)", stats.unsettled());
                facts.put("dropped (this instance)", stats.dropped());
                List<String> recent = new ArrayList<>();
                for (ShadowMismatch mismatch : shadowReads.recentMismatches(migrationId, LISTED)) {
                    recent.add(mismatch.at() + " _id=" + mismatch.entityId() + " " + mismatch.kind()
                            + (mismatch.fields().isEmpty() ? "" : " " + mismatch.fields()) + " in " + mismatch.phase()
                            + " on " + mismatch.instance());
                }
                facts.put("latest mismatches", recent);
                String conflict = shadowReads.conflicts().get(migrationId);
                if (conflict != null) {
                    facts.put("rate conflict", conflict);
                }
                return Optional.of(new StatusSection("Shadow reads", facts));
            });
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean({ ReverseCopier.class, ReverseVerifier.class })
    static class ReverseSection {

        /** The latest reverse copy and reverse verification, when there was one. */
        @Bean
        @Order(30)
        @ConditionalOnMissingBean(name = "dualwriteReverseStatus")
        StatusContributor dualwriteReverseStatus(ReverseCopier copier, ReverseVerifier verifier) {
            return contributor("reverse", migrationId -> {
                Optional<JobRun> copy = copier.latest(migrationId);
                Optional<JobRun> verification = verifier.latest(migrationId);
                if (copy.isEmpty() && verification.isEmpty()) {
                    return Optional.empty();
                }
                Map<String, Object> facts = new LinkedHashMap<>();
                copy.ifPresent(run -> {
                    facts.put("latest reverse copy", run.id() + ", " + run.status() + ": " + JobReport.summary(run));
                    facts.put("handed everything back", run.handedEverythingBack());
                });
                verification.ifPresent(run -> facts.put("latest reverse verification", run.id() + ", "
                        + run.status() + (run.status().isActive() ? "" : run.isClean() ? ", clean" : ", not clean")
                        + ": " + JobReport.summary(run)));
                return Optional.of(new StatusSection("Reverse copy (rollback from READ_NEW_WRITE_NEW)", facts));
            });
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(CleanupHistory.class)
    static class CleanupSection {

        /** The executed cleanup, if any (the dry run reads every document, so it is not part of the status). */
        @Bean
        @Order(40)
        @ConditionalOnMissingBean(name = "dualwriteCleanupStatus")
        StatusContributor dualwriteCleanupStatus(CleanupHistory history) {
            return contributor("cleanup", migrationId -> {
                Optional<CleanupRecord> last = history.lastCleanup(migrationId);
                Map<String, Object> facts = new LinkedHashMap<>();
                facts.put("cleaned up", last.isPresent());
                facts.put("last cleanup", last.map(CleanupRecord::describe)
                        .orElse("none; the dry run: `cleanup --migration " + migrationId + "` or GET "
                                + "/actuator/dualwritecleanup/" + migrationId));
                return Optional.of(new StatusSection("Cleanup of the old shape", facts));
            });
        }
    }

    private static StatusContributor contributor(String name,
            java.util.function.Function<String, Optional<StatusSection>> section) {
        return new StatusContributor() {

            @Override
            public String name() {
                return name;
            }

            @Override
            public Optional<StatusSection> section(String migrationId) {
                return section.apply(migrationId);
            }
        };
    }
}
