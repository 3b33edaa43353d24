package io.dualwrite.sample.demo;

import java.util.Locale;

/**
 * The demo's command-line flags.
 *
 * @param users legacy users seeded before the migration ({@code --users}, default 5000)
 * @param writers traffic writer threads ({@code --writers}, default 4)
 * @param seconds seconds of traffic in each phase besides the copy and the verification ({@code --seconds}, default 2)
 * @param rate operations per second of each writer, 0 for as fast as it can ({@code --rate}, default 150)
 * @param keep keep the demo's database afterwards ({@code --keep}; useful with a real MongoDB)
 * @param verbose show the application's log ({@code --verbose})
 * @param help print the usage and exit ({@code --help})
 */
public record DemoOptions(int users, int writers, double seconds, double rate, boolean keep, boolean verbose,
        boolean help) {

    /** The usage text. */
    public static final String USAGE = """
            usage: java -jar dualwrite-<version>-exec.jar demo [--users N] [--writers N] [--seconds S] [--rate R] \
            [--keep] [--verbose]
              --users N     legacy users seeded before the migration (1 to 1000000, default 5000)
              --writers N   threads creating, updating and deleting customers throughout (1 to 64, default 4)
              --seconds S   seconds of traffic in each phase besides the copy and the verification (0 to 600, default 2)
              --rate R      operations per second of each writer, 0 for as fast as it can (default 150)
              --keep        keep the demo's database afterwards (with spring.mongodb.uri set; the embedded one is \
            lost on exit anyway)
              --verbose     show the application's log
              --help        this text""";

    /** The defaults. */
    public static DemoOptions defaults() {
        return new DemoOptions(5000, 4, 2, 150, false, false, false);
    }

    /**
     * Parses the flags ({@code --users 1000} or {@code --users=1000}).
     *
     * @throws IllegalArgumentException saying which flag is wrong and why
     */
    public static DemoOptions parse(String... args) {
        DemoOptions options = defaults();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            switch (name) {
                case "--users", "--writers", "--seconds", "--rate" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    options = with(options, name, value);
                }
                case "--keep", "--verbose", "--help", "-h" -> {
                    if (value != null) {
                        throw new IllegalArgumentException(name + " takes no value, got '" + arg + "'");
                    }
                    options = switch (name) {
                        case "--keep" -> new DemoOptions(options.users, options.writers, options.seconds,
                                options.rate, true, options.verbose, options.help);
                        case "--verbose" -> new DemoOptions(options.users, options.writers, options.seconds,
                                options.rate, options.keep, true, options.help);
                        default -> new DemoOptions(options.users, options.writers, options.seconds, options.rate,
                                options.keep, options.verbose, true);
                    };
                }
                default -> throw new IllegalArgumentException("unknown flag '" + arg + "'");
            }
        }
        return options;
    }

    private static DemoOptions with(DemoOptions options, String name, String value) {
        return switch (name) {
            case "--users" -> new DemoOptions(integer(name, value, 1, 1_000_000), options.writers, options.seconds,
                    options.rate, options.keep, options.verbose, options.help);
            case "--writers" -> new DemoOptions(options.users, integer(name, value, 1, 64), options.seconds,
                    options.rate, options.keep, options.verbose, options.help);
            case "--seconds" -> new DemoOptions(options.users, options.writers, decimal(name, value, 600),
                    options.rate, options.keep, options.verbose, options.help);
            default -> new DemoOptions(options.users, options.writers, options.seconds,
                    decimal(name, value, 100_000), options.keep, options.verbose, options.help);
        };
    }

    private static int integer(String name, String value, int min, int max) {
        int parsed;
        try {
            parsed = Integer.parseInt(value.trim());
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
        }
        if (parsed < min || parsed > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s must be between %d and %d, got %d",
                    name, min, max, parsed));
        }
        return parsed;
    }

    private static double decimal(String name, String value, double max) {
        double parsed;
        try {
            parsed = Double.parseDouble(value.trim());
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
        }
        if (!(parsed >= 0 && parsed <= max)) {
            throw new IllegalArgumentException(name + " must be between 0 and " + (long) max + ", got '" + value
                    + "'");
        }
        return parsed;
    }
}
