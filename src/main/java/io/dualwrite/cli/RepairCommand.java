package io.dualwrite.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.repair.RepairRecord;
import io.dualwrite.repair.RepairReport;
import io.dualwrite.repair.Repairs;
import picocli.CommandLine.Command;

/** {@code repair}: tries every unrepaired failed second write once, now, and prints what is left. */
@Command(name = "repair", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Completes the second writes of dual writes that did not apply (recorded in "
                + "dualwrite_repairs): each is re-established from the shape that holds the acknowledged write, under "
                + "the version guard (a newer write is never overwritten, a deleted entity never comes back), and "
                + "marked repaired. Records another process is repairing at that moment are skipped. Exits 0 only "
                + "when nothing is left unrepaired; otherwise 6, listing the records left and why." },
        exitCodeListHeading = "%nExit codes:%n")
final class RepairCommand extends AllMigrationsCommand {

    /** How many records left unrepaired are listed per migration. */
    static final int LEFT_SHOWN = 10;

    RepairCommand(Session session) {
        super(session);
    }

    @Override
    int work(ConfigurableApplicationContext context, List<String> ids) {
        PrintWriter out = session.out();
        Repairs repairs = context.getBean(Repairs.class);
        long left = 0;
        for (String id : ids) {
            RepairReport report = repairs.repairNow(id);
            out.println(id + ": " + report.summary());
            left += report.remaining();
            if (report.remaining() > 0) {
                for (RepairRecord record : repairs.pending(id, LEFT_SHOWN)) {
                    out.println("  " + describe(record));
                }
                if (report.remaining() > LEFT_SHOWN) {
                    out.printf(Locale.ROOT, "  ... and %,d more%n", report.remaining() - LEFT_SHOWN);
                }
            }
        }
        if (left == 0) {
            out.println("Nothing left to repair.");
            return ExitCodes.OK;
        }
        session.err().printf(Locale.ROOT, "%,d failed second write(s) are still unrepaired (collection "
                + "dualwrite_repairs); the lines above say why. Fix the cause and run 'repair' again (the instances "
                + "also retry in the background). Until then a verification is not clean.%n", left);
        return ExitCodes.FINISHED_WITH_PROBLEMS;
    }

    private static String describe(RepairRecord record) {
        String error = record.lastError() != null ? record.lastError()
                : "no attempt finished yet (another process may be repairing it)";
        return "_id=" + record.entityId() + ", " + record.shape() + " shape, version " + record.version()
                + ", failed at " + record.at() + ", " + record.attempts() + " attempt(s): " + error;
    }
}
