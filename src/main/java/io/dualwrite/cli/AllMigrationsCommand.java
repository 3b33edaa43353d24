package io.dualwrite.cli;

import java.util.List;

import org.springframework.context.ConfigurableApplicationContext;

import io.dualwrite.MigrationRegistry;
import picocli.CommandLine.Option;

/** A command on every declared migration, or on the one {@code --migration} names. */
abstract class AllMigrationsCommand extends SessionCommand {

    @Option(names = "--migration", paramLabel = "ID", description = "Only this migration (default: all).")
    private String migrationId;

    AllMigrationsCommand(Session session) {
        super(session);
    }

    @Override
    final int work(ConfigurableApplicationContext context) throws Exception {
        List<String> ids;
        if (migrationId != null) {
            Session.requireMigration(context, migrationId);
            ids = List.of(migrationId);
        }
        else {
            ids = List.copyOf(context.getBean(MigrationRegistry.class).ids());
        }
        if (ids.isEmpty()) {
            session.out().println("No migration is declared in this application.");
            return ExitCodes.OK;
        }
        return work(context, ids);
    }

    /** What the command does for these migrations (at least one, declared); returns the exit code. */
    abstract int work(ConfigurableApplicationContext context, List<String> ids) throws Exception;
}
