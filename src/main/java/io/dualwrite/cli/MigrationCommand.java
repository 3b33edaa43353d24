package io.dualwrite.cli;

import picocli.CommandLine.Option;

/** A command on one migration, named by {@code --migration}. */
abstract class MigrationCommand extends SessionCommand {

    @Option(names = "--migration", required = true, paramLabel = "ID", description = "The migration id.")
    String migrationId;

    MigrationCommand(Session session) {
        super(session);
    }
}
