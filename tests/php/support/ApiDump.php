<?php

declare(strict_types=1);

namespace LatePointApi\Tests\Support;

/**
 * Describes an API (functions, classes, constants) through Reflection, in one
 * comparable form, for the stub file and for the plugin's pure-PHP fallback
 * (each in its own `php -n` process that loads nothing else) and for the
 * loaded extension. Needs nothing but Reflection, and declares no functions
 * of its own, so it can run next to the stubs or the fallback.
 */
final class ApiDump
{
    /** @return array<string, mixed> what requiring the stub file declares */
    public static function ofStubFile(string $path): array
    {
        return self::ofFile($path);
    }

    /**
     * Everything requiring `$path` declares (with whatever it requires in
     * turn): the stub file, or the fallback's functions.php.
     *
     * @return array<string, mixed>
     */
    public static function ofFile(string $path): array
    {
        $classesBefore = get_declared_classes();
        $interfacesBefore = get_declared_interfaces();
        $functionsBefore = get_defined_functions()['user'];
        $constantsBefore = get_defined_constants(true)['user'] ?? [];
        require $path;
        $functions = array_diff(get_defined_functions()['user'], $functionsBefore);
        $classes = array_merge(
            array_diff(get_declared_classes(), $classesBefore),
            array_diff(get_declared_interfaces(), $interfacesBefore)
        );
        $constants = array_diff_key(get_defined_constants(true)['user'] ?? [], $constantsBefore);

        return self::describe(
            array_map(static fn (string $f) => new \ReflectionFunction($f), array_values($functions)),
            array_map(static fn (string $c) => new \ReflectionClass($c), array_values($classes)),
            $constants
        );
    }

    /** @return array<string, mixed> */
    public static function ofExtension(string $name): array
    {
        $extension = new \ReflectionExtension($name);

        return self::describe(
            array_values($extension->getFunctions()),
            array_values($extension->getClasses()),
            $extension->getConstants()
        );
    }

    /**
     * @param list<\ReflectionFunction> $functions
     * @param list<\ReflectionClass<object>> $classes
     * @param array<string, mixed> $constants
     * @return array<string, mixed>
     */
    private static function describe(array $functions, array $classes, array $constants): array
    {
        $out = ['functions' => [], 'classes' => [], 'constants' => []];
        foreach ($functions as $function) {
            $out['functions'][$function->getName()] = [
                'parameters' => array_map([self::class, 'parameter'], $function->getParameters()),
                'required' => $function->getNumberOfRequiredParameters(),
                'return' => self::type($function->getReturnType()),
                'tentative_return' => self::type($function->getTentativeReturnType()),
                'by_ref_return' => $function->returnsReference(),
            ];
        }
        foreach ($classes as $class) {
            $own = [];
            foreach ($class->getMethods() as $method) {
                if ($method->getDeclaringClass()->getName() === $class->getName()) {
                    $own[$method->getName()] = [
                        'parameters' => array_map([self::class, 'parameter'], $method->getParameters()),
                        'return' => self::type($method->getReturnType()),
                        'static' => $method->isStatic(),
                        'visibility' => $method->isPublic() ? 'public' : ($method->isProtected() ? 'protected' : 'private'),
                    ];
                }
            }
            ksort($own);
            $interfaces = $class->getInterfaceNames();
            sort($interfaces);
            $parent = $class->getParentClass();
            $out['classes'][$class->getName()] = [
                'kind' => $class->isInterface() ? 'interface' : ($class->isTrait() ? 'trait' : 'class'),
                'parent' => $parent === false ? null : $parent->getName(),
                'final' => $class->isFinal(),
                'abstract' => $class->isAbstract(),
                'interfaces' => $interfaces,
                'own_methods' => $own,
                'own_constants' => array_keys(array_filter(
                    $class->getReflectionConstants(),
                    static fn (\ReflectionClassConstant $c) => $c->getDeclaringClass()->getName() === $class->getName()
                )),
            ];
        }
        foreach ($constants as $name => $value) {
            $out['constants'][$name] = var_export($value, true);
        }
        ksort($out['functions']);
        ksort($out['classes']);
        ksort($out['constants']);

        return $out;
    }

    /** @return array<string, mixed> */
    private static function parameter(\ReflectionParameter $p): array
    {
        return [
            'name' => $p->getName(),
            'type' => self::type($p->getType()),
            'optional' => $p->isOptional(),
            'default' => $p->isDefaultValueAvailable() ? var_export($p->getDefaultValue(), true) : null,
            'by_ref' => $p->isPassedByReference(),
            'variadic' => $p->isVariadic(),
        ];
    }

    private static function type(?\ReflectionType $type): ?string
    {
        return $type === null ? null : (string) $type;
    }
}
