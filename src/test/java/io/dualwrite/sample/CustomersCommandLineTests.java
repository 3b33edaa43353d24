package io.dualwrite.sample;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.OptionalInt;

import org.bson.Document;
import org.junit.jupiter.api.Test;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;

import io.dualwrite.embedded.EmbeddedMongoServer;

/** The sample's main method hands command names to dualwrite's command line, on the sample's own context. */
class CustomersCommandLineTests {

    private static final String DATABASE = "sample_command_line";

    @Test
    void statusAndCopyGoToTheCommandLineNotToTheService() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        OptionalInt status = CustomersApplication.dispatch(commandLine(out, err), "status");

        assertThat(status).as(err.toString()).hasValue(0);
        assertThat(out.toString()).contains("customers-v2: phase OLD_ONLY").contains("copy:   no run yet");
        assertThat(err.toString()).contains("MongoDB: the embedded in-process server, database '" + DATABASE + "'");

        OptionalInt copy = CustomersApplication.dispatch(commandLine(out, err), "copy", "--migration", "customers-v2",
                "--no-progress");

        assertThat(copy).as(err.toString()).hasValue(0);
        assertThat(out.toString()).contains("200 documents scanned: copied 200");
        try (MongoClient client = MongoClients.create(EmbeddedMongoServer.connectionString())) {
            MongoDatabase database = client.getDatabase(DATABASE);
            assertThat(database.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION).countDocuments())
                    .as("the seeded legacy users, copied by the command").isEqualTo(200);
            Document customer = database.getCollection(CustomerMigrationConfiguration.CUSTOMERS_COLLECTION)
                    .find(new Document("_id", "u00001")).first();
            assertThat(customer.getString("firstName")).isNotBlank();
        }
    }

    private static io.dualwrite.cli.DualWriteCommandLine commandLine(StringWriter out, StringWriter err) {
        return CustomersApplication.commandLine()
                .defaultProperties(Map.of("dualwrite.embedded.database", DATABASE))
                .output(new PrintWriter(out, true), new PrintWriter(err, true));
    }
}
