package dev.imagegate;

import dev.imagegate.check.CheckCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

import java.util.List;

@SpringBootApplication
@ConfigurationPropertiesScan
public class ImageGateApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("check")) {
            CheckCommand.main(List.of(args).subList(1, args.length));
        }
        SpringApplication.run(ImageGateApplication.class, args);
    }
}
