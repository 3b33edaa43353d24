package io.dualwrite.cli;

import io.dualwrite.copier.JobKind;
import picocli.CommandLine.Command;

/** {@code reverse-verify}: compares the new shape against the old one after a reverse copy. */
@Command(name = "reverse-verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Compares the migration's new shape against its old shape id by id, after a reverse copy: "
                + "prints what is missing, stale, different (with the fields) or extra in the old shape, new "
                + "documents the mapping cannot convert and second writes not repaired yet, and how many entities the "
                + "new shape alone still decides for (written in READ_NEW_WRITE_NEW, not handed back yet; not "
                + "differences). Exits 0 only when the verification is clean." },
        exitCodeListHeading = "%nExit codes:%n")
final class ReverseVerifyCommand extends JobCommand {

    ReverseVerifyCommand(Session session) {
        super(session, JobKind.REVERSE_VERIFY);
    }
}
