package io.dualwrite.cli;

import io.dualwrite.copier.JobKind;
import picocli.CommandLine.Command;

/** {@code verify}: compares the two shapes. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Compares the migration's old and new shapes id by id: joins the active verification or "
                + "starts one, shows its progress and prints what is missing, stale, different (with the fields) or "
                + "extra in the new shape, documents the mapping cannot convert and second writes not repaired yet. "
                + "Exits 0 only when the verification is clean." },
        exitCodeListHeading = "%nExit codes:%n")
final class VerifyCommand extends JobCommand {

    VerifyCommand(Session session) {
        super(session, JobKind.VERIFY);
    }
}
