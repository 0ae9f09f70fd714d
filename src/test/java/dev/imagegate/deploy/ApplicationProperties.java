package dev.imagegate.deploy;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/** ImageGate's configuration as Spring reads it for a set of profiles, and the ports it listens on. */
record ApplicationProperties(Properties configuration) {

    /** The properties that open a listening port. */
    private static final List<String> PORT_PROPERTIES = List.of("imagegate.review.port", "imagegate.admission.port", "server.port", "management.server.port");

    /** application.properties, overlaid with application-{profile}.properties for each profile given. */
    static ApplicationProperties of(String... profiles) {
        Properties configuration = new Properties();
        load(configuration, "application.properties");
        for (String profile : profiles) {
            load(configuration, "application-" + profile + ".properties");
        }
        return new ApplicationProperties(configuration);
    }

    String get(String key) {
        return configuration.getProperty(key);
    }

    /** Every port it listens on. */
    Set<Integer> ports() {
        return PORT_PROPERTIES.stream().filter(configuration::containsKey).map(key -> Integer.parseInt(configuration.getProperty(key)))
                .collect(Collectors.toSet());
    }

    /** The port only the admission webhooks are served on: declared by the deploy variant that serves them. */
    int admissionPort() {
        return Integer.parseInt(configuration.getProperty("imagegate.admission.port"));
    }

    /** Where health and metrics are served: the management port when there is one, else the server's. */
    int actuatorPort() {
        return Integer.parseInt(configuration.getProperty("management.server.port", configuration.getProperty("server.port")));
    }

    private static void load(Properties configuration, String file) {
        try {
            configuration.load(new StringReader(Files.readString(Path.of("src/main/resources", file))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
