package dev.imagegate;

import dev.imagegate.check.CheckCommand;
import dev.imagegate.shutdown.ShutdownDeadline;
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
        SpringApplication application = new SpringApplication(ImageGateApplication.class);
        application.addListeners(new ShutdownDeadline());
        application.run(args);
    }
}
