package dev.imagegate.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/** Finds the tools the deploy checks run: on PATH, else in the given directories (where go install puts them). */
final class Executables {

    private Executables() {
    }

    static Optional<Path> find(String name, Path... alsoIn) {
        return Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(Path::of), Stream.of(alsoIn))
                .map(dir -> dir.resolve(name)).filter(Files::isExecutable).findFirst();
    }

    /** Where {@code go install} puts commands by default. */
    static Path goBin() {
        return Path.of(System.getProperty("user.home"), "go", "bin");
    }
}
