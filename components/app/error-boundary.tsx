import { Component, type ReactNode } from 'react';
import { Box, Text } from 'ink';

// Keeps a render bug from killing the attach: shows the error and how to report it; q still quits.
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <Box flexDirection="column">
        <Text>clawdeck view crashed: {this.state.error.message}</Text>
        <Text>This is a bug; the daemon is unaffected. Re-attach with: clawdeck attach</Text>
      </Box>
    );
  }
}
