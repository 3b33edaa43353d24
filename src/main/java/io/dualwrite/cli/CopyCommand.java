package io.dualwrite.cli;

import io.dualwrite.copier.JobKind;
import picocli.CommandLine.Command;

/** {@code copy}: backfills the new shape. */
@Command(name = "copy", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Backfills the migration's new shape from its old shape: joins the active copy run or starts "
                + "one, works on it with this process's workers, shows the progress of the whole run and prints the "
                + "report. Start it in as many processes as you like: they share the run's partitions. Ctrl-C or "
                + "SIGTERM stops this process's workers after their batch; the run resumes when started again." },
        exitCodeListHeading = "%nExit codes:%n")
final class CopyCommand extends JobCommand {

    CopyCommand(Session session) {
        super(session, JobKind.COPY);
    }
}
