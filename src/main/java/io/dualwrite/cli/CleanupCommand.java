package io.dualwrite.cli;

import java.io.PrintWriter;
import java.util.Locale;

import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.cleanup.Cleanup;
import io.dualwrite.cleanup.CleanupPlan;
import io.dualwrite.cleanup.CleanupRefusedException;
import io.dualwrite.cleanup.CleanupResult;
import io.dualwrite.instances.LocalInstance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cleanup}: the dry run of removing a migration's old shape, and with {@code --execute --token} the removal. */
@Command(name = "cleanup", mixinStandardHelpOptions = true, sortOptions = false,
        description = { "Removes the old shape of a migration once every live instance is in READ_NEW_WRITE_NEW "
                + "(runbook step 6): drops the old collection (two collections) or removes the old-shape fields "
                + "(one collection).",
                "Without --execute: a dry run that lists exactly what would be removed, says whether it is allowed now "
                        + "(and if not, why and what to do) and prints its token. Changes nothing.",
                "With --execute --token T: removes exactly what the dry run with token T listed; refused (exit 5, "
                        + "nothing removed) when it is not allowed now or a new dry run would list something else." },
        exitCodeListHeading = "%nExit codes:%n")
final class CleanupCommand extends MigrationCommand {

    @Option(names = "--execute", description = "Remove what the dry run with --token listed (default: dry run only).")
    private boolean execute;

    @Option(names = "--token", paramLabel = "TOKEN", description = "The token a dry run printed; needs --execute.")
    private String token;

    CleanupCommand(Session session) {
        super(session);
    }

    @Override
    void validate() {
        if (execute && (token == null || token.isBlank())) {
            throw invalid("--execute needs --token: run 'cleanup --migration " + migrationId + "' first, check what "
                    + "it lists, then pass the token it prints");
        }
        if (!execute && token != null) {
            throw invalid("--token is only used with --execute; add --execute to remove what that dry run listed");
        }
    }

    @Override
    int work(ConfigurableApplicationContext context) {
        Session.requireMigration(context, migrationId);
        Cleanup cleanup = context.getBeanProvider(Cleanup.class).getIfAvailable();
        if (cleanup == null) {
            throw CommandFailure.refused(new IllegalStateException("Cleanup is switched off in this application "
                    + "(dualwrite.cleanup.enabled=false); nothing was removed"));
        }
        PrintWriter out = session.out();
        if (!execute) {
            print(out, cleanup.plan(migrationId));
            return ExitCodes.OK;
        }
        CleanupResult result;
        try {
            result = cleanup.execute(migrationId, token, who());
        }
        catch (CleanupRefusedException ex) {
            throw CommandFailure.refused(ex);
        }
        out.println(result.summary() + ".");
        out.println("Recorded: " + result.record().describe());
        return ExitCodes.OK;
    }

    static void print(PrintWriter out, CleanupPlan plan) {
        out.println("Cleanup of migration '" + plan.migrationId() + "' (dry run, nothing changed):");
        out.println("  " + plan.summary() + ".");
        if (plan.kind() == CleanupPlan.Kind.UNSET_FIELDS) {
            out.println("  fields removed (documents carrying each):");
            if (plan.fields().isEmpty()) {
                out.println("    none");
            }
            plan.fields().forEach(field -> out.printf(Locale.ROOT, "    %s (%,d)%n", field.name(), field.documents()));
            out.printf(Locale.ROOT, "  documents changed: %,d%n", plan.documents());
            plan.keptFields().forEach(field -> out.println("  kept: " + field.name() + " (" + field.reason() + ")"));
            if (plan.oldOnlyDocuments() > 0) {
                out.printf(Locale.ROOT, "  documents holding only the old shape: %,d%n", plan.oldOnlyDocuments());
            }
        }
        if (!plan.indexes().isEmpty()) {
            out.println(plan.kind() == CleanupPlan.Kind.DROP_COLLECTION ? "  indexes (dropped with it):"
                    : "  indexes dropped (every key is a removed field):");
            plan.indexes().forEach(index -> out.println("    " + index.name() + " " + index.keys()));
        }
        plan.bookkeeping().forEach(line -> out.println("  " + line));
        out.println("  shared phase: " + (plan.sharedPhase() == null ? "unknown" : plan.sharedPhase()));
        out.println("  instances: " + plan.instances());
        if (plan.allowed()) {
            out.println("Allowed now. To remove exactly this, run:");
        }
        else {
            out.println("Not allowed now:");
            plan.blockers().forEach(blocker -> out.println("  - " + blocker));
            out.println("Once that is done, run the dry run again; its token will still match if nothing else "
                    + "changed:");
        }
        out.println("  cleanup --migration " + plan.migrationId() + " --execute --token " + plan.token());
        out.println("token: " + plan.token());
    }

    /** Who runs the command: the operating-system user and the host. */
    private static String who() {
        return System.getProperty("user.name", "unknown") + "@" + LocalInstance.defaultHost() + " (command line)";
    }
}
