import { useState } from 'react';
import { Pressable, Text, View } from 'react-native';
import { isGgufRepo, mirrorCommands, type Model } from '@d011dl/contract';
import { useTheme } from '../ui/theme';

/**
 * "Use it": the one-liners that download this revision from the server's mirror (its API address +
 * /mirror) on another machine, the same lines as the portal's catalog (contract/src/mirror-commands.ts).
 * Selectable, so a long press copies them.
 */
export function UseIt({ model, apiBase }: { model: Model; apiBase: string }) {
  const t = useTheme();
  const [open, setOpen] = useState(false);
  const name = `${model.author}/${model.repo} @ ${model.revision}`;
  const commands = mirrorCommands({ endpoint: `${apiBase.replace(/\/+$/, '')}/mirror`, ...model, gguf: isGgufRepo(model.repo) });
  return (
    <View style={{ marginTop: 6 }}>
      <Pressable
        accessibilityRole="button"
        accessibilityLabel={`Use ${name} from another machine`}
        accessibilityState={{ expanded: open }}
        onPress={() => setOpen(!open)}
        style={{ minHeight: 48, justifyContent: 'center' }}
      >
        <Text style={{ color: t.primary, fontWeight: '600' }}>{open ? 'Hide "use it"' : 'Use it from another machine'}</Text>
      </Pressable>
      {open ? (
        <View testID={`use-it-${model.id}`}>
          <Text style={{ color: t.muted }}>Replace &lt;token&gt; with a token from the portal&apos;s Tokens page.</Text>
          {commands.map((c) => (
            <View key={c.label} style={{ marginTop: 6 }}>
              <Text style={{ color: t.muted }}>{c.label}</Text>
              <Text selectable style={{ color: t.text, fontFamily: 'monospace' }}>
                {c.command}
              </Text>
            </View>
          ))}
        </View>
      ) : null}
    </View>
  );
}
