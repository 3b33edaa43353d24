package io.dualwrite.cli;

import io.dualwrite.copier.JobKind;
import picocli.CommandLine.Command;

/** {@code reverse-copy}: backfills the old shape from the new one, for a rollback from READ_NEW_WRITE_NEW. */
@Command(name = "reverse-copy", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Backfills the migration's old shape from its new shape, for a rollback from "
                + "READ_NEW_WRITE_NEW: joins the active reverse copy run or starts one, works on it with this "
                + "process's workers, shows the progress of the whole run and prints the report. Run it once while "
                + "instances are in READ_NEW_WRITE_NEW (before going back to READ_NEW_WRITE_BOTH), and again once every "
                + "instance is in READ_NEW_WRITE_BOTH: only that second run hands the entities written in "
                + "READ_NEW_WRITE_NEW back to the old shape, which going back to READ_OLD_WRITE_BOTH needs." },
        exitCodeListHeading = "%nExit codes:%n")
final class ReverseCopyCommand extends JobCommand {

    ReverseCopyCommand(Session session) {
        super(session, JobKind.REVERSE_COPY);
    }
}
