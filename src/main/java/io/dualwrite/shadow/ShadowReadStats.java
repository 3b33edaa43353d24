package io.dualwrite.shadow;

/**
 * What this instance's shadow reads of one migration did since it started. Counts are per entity compared: a sampled
 * query compares each document it returned (up to {@code max-documents-per-read}).
 *
 * @param migration the migration id
 * @param sampleRate the share of reads sampled right now (0 to 1)
 * @param sampled reads handed over for a comparison
 * @param dropped sampled reads (and re-checks) dropped because the comparison queue was full; never compared
 * @param compared entities compared to a conclusion: equal in both shapes, or a mismatch
 * @param mismatches differences confirmed after the re-check (recorded, see {@link ShadowReads#recentMismatches})
 * @param unsettled differences whose versions kept moving until the re-check (writes in flight): not mismatches
 * @param notYetCopied entities read from the old shape that the new shape holds nothing for yet: the copier's work
 * (the verifier reports those that remain), not a mismatch of the dual write
 * @param skipped entities the new shape decides for (written by an instance in {@code READ_NEW_WRITE_NEW}); the old
 * shape is no longer kept up to date for them, so they are not compared
 * @param failed comparisons that could not be made (MongoDB unreachable, …); logged
 */
public record ShadowReadStats(String migration, double sampleRate, long sampled, long dropped, long compared,
        long mismatches, long unsettled, long notYetCopied, long skipped, long failed) {
}
