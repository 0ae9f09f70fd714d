package dev.imagegate.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The project's Dockerfile as a list of instructions, continuation lines joined and comments dropped. */
record Dockerfile(List<Instruction> instructions) {

    record Instruction(String keyword, String arguments) {
    }

    static Dockerfile read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("Dockerfile"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            String instruction = current.append(line).toString().strip().replaceAll("\\s+", " ");
            current.setLength(0);
            int space = instruction.indexOf(' ');
            instructions.add(new Instruction(instruction.substring(0, space).toUpperCase(), instruction.substring(space + 1)));
        }
        return new Dockerfile(instructions);
    }

    /** The arguments of every instruction with this keyword, in order. */
    List<String> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
    }

    /** The arguments of the only instruction with this keyword in the last (runtime) stage. */
    String last(String keyword) {
        List<String> found = stage(stages() - 1).stream().filter(i -> i.keyword().equals(keyword)).map(Instruction::arguments).toList();
        if (found.size() != 1) {
            throw new AssertionError("the runtime stage has " + found.size() + " " + keyword + " instructions");
        }
        return found.get(0);
    }

    /** The instructions of the stage that starts with the n-th FROM (0-based). */
    List<Instruction> stage(int n) {
        List<Instruction> stage = new ArrayList<>();
        int from = -1;
        for (Instruction instruction : instructions) {
            if (instruction.keyword().equals("FROM")) {
                from++;
            }
            if (from == n) {
                stage.add(instruction);
            }
        }
        return stage;
    }

    int stages() {
        return all("FROM").size();
    }
}
